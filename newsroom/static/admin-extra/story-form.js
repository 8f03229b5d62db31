/* The story form: nothing typed is lost.
 *
 * - Autosave: what is typed goes to the server every 30 seconds and when a field loses focus,
 *   for this person alone (articles/autosave.py); reopening the form offers it back.
 * - A copy stays in this browser (localStorage) as it is typed, for a lost connection.
 * - Leaving the page with unsaved changes asks first (not when the form is being sent).
 *
 * Enter in a one-line field is stopped by the form's disabled default button (the template),
 * which needs no script. Plain script, no library; loaded as a static file (the policy allows
 * scripts from this site only).
 */
(function () {
  "use strict";

  var INTERVAL = 30000;
  // Set once the page is parsed (this script loads in the head, before the form).
  var form = null;
  var config = null;
  var url = "";
  var storageKey = "";
  // The rich-text editors, by the name of the field they write: restoring sets their content.
  var editors = {};
  document.addEventListener("prose-editor:ready", function (event) {
    var textarea = event.detail.textarea;
    editors[textarea.name] = event.detail.editor;
    event.detail.editor.on("update", function () {
      if (form) {
        keepLocally();
      }
    });
  });
  var sending = false;
  var pending = false;
  var leaving = false;
  var initial = "";
  var lastSent = "";

  // Fields a person types the story into: not the token, the buttons or the move's own words.
  function entries() {
    var data = new FormData(form);
    var kept = [];
    data.forEach(function (value, name) {
      if (typeof value !== "string" || name === "csrfmiddlewaretoken" || name.charAt(0) === "_") {
        return;
      }
      kept.push([name, value]);
    });
    return kept;
  }

  function snapshot() {
    return JSON.stringify(entries());
  }

  function isDirty() {
    return snapshot() !== initial;
  }

  function csrfToken() {
    var field = form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function post(body) {
    body.append("csrfmiddlewaretoken", csrfToken());
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    });
  }

  function say(text) {
    var status = document.getElementById("autosave-status");
    if (!status) {
      status = document.createElement("p");
      status.id = "autosave-status";
      status.className = "help autosave-status";
      status.setAttribute("role", "status");
      var row = form.querySelector(".submit-row");
      (row ? row.parentNode : form).insertBefore(status, row);
    }
    status.textContent = text;
  }

  function keepLocally() {
    try {
      if (isDirty()) {
        localStorage.setItem(
          storageKey,
          JSON.stringify({ at: new Date().toISOString(), data: entries() }),
        );
      }
    } catch (error) {
      /* storage full or refused: the server's autosave still runs */
    }
  }

  function autosave() {
    var now = snapshot();
    if (now === lastSent || now === initial) {
      return;
    }
    if (sending) {
      // One at a time: the newest typing goes as soon as the one on its way is answered.
      pending = true;
      return;
    }
    sending = true;
    var body = new FormData();
    entries().forEach(function (pair) {
      body.append(pair[0], pair[1]);
    });
    post(body)
      .then(function (response) {
        return response.json().then(function (answer) {
          if (response.ok) {
            lastSent = now;
            say("Your changes were autosaved at " + answer.label + ". Save to keep them in the story.");
          } else {
            say("Not autosaved: " + (answer.error || response.status) + " A copy is kept in this browser.");
          }
        });
      })
      .catch(function () {
        say("Not autosaved: the connection is lost. A copy is kept in this browser.");
      })
      .then(function () {
        sending = false;
        if (pending && !leaving) {
          pending = false;
          autosave();
        }
      });
  }

  // Puts saved values back into the form, adding inline rows ("Add another") where needed.
  function restore(pairs) {
    var byName = {};
    pairs.forEach(function (pair) {
      (byName[pair[0]] = byName[pair[0]] || []).push(pair[1]);
    });
    Object.keys(byName).forEach(function (name) {
      var fields = form.querySelectorAll('[name="' + CSS.escape(name) + '"]');
      if (!fields.length) {
        var match = /^(.+)-(\d+)-/.exec(name);
        var adder = match && document.querySelector("#" + CSS.escape(match[1] + "-group") + " .add-row a");
        for (var tries = 0; adder && !fields.length && tries < 50; tries++) {
          adder.click();
          fields = form.querySelectorAll('[name="' + CSS.escape(name) + '"]');
        }
      }
      var values = byName[name];
      fields.forEach(function (field) {
        if (field.type === "checkbox" || field.type === "radio") {
          field.checked = values.indexOf(field.value) !== -1;
        } else if (field.tagName === "SELECT" && field.multiple) {
          Array.prototype.forEach.call(field.options, function (option) {
            option.selected = values.indexOf(option.value) !== -1;
          });
        } else if (editors[name]) {
          editors[name].commands.setContent(values[0]);
          field.value = values[0];
        } else if (field.type !== "file" && field.type !== "hidden") {
          field.value = values[0];
        }
        field.dispatchEvent(new Event("input", { bubbles: true }));
        field.dispatchEvent(new Event("change", { bubbles: true }));
      });
    });
  }

  function offerServerCopy() {
    var banner = document.querySelector(".autosave-offer");
    var data = document.getElementById("autosave-data");
    if (!banner || !data) {
      return;
    }
    var saved = JSON.parse(data.textContent);
    banner.addEventListener("click", function (event) {
      var action = event.target.getAttribute("data-autosave");
      if (action === "restore") {
        var pairs = [];
        Object.keys(saved).forEach(function (name) {
          saved[name].forEach(function (value) {
            pairs.push([name, value]);
          });
        });
        restore(pairs);
        banner.hidden = true;
        say("Your unsaved changes are back in the form. Save to keep them.");
      } else if (action === "discard") {
        var body = new FormData();
        body.append("discard", "1");
        post(body);
        banner.hidden = true;
        say("The unsaved changes were discarded.");
      }
    });
  }

  // "14:02 (UTC)", with the day when not today: in the newsroom's time zone, named.
  function newsroomTime(at) {
    var zone = config.dataset.timeZone || undefined;
    var options = { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
    var day = { timeZone: zone, day: "numeric", month: "long", year: "numeric" };
    var label = at.toLocaleTimeString("en-GB", options);
    if (at.toLocaleDateString("en-GB", day) !== new Date().toLocaleDateString("en-GB", day)) {
      label = at.toLocaleDateString("en-GB", day) + ", " + label;
    }
    var name = at
      .toLocaleTimeString("en-GB", { timeZone: zone, timeZoneName: "short" })
      .split(" ")
      .pop();
    return label + " (" + name + ")";
  }

  function offerLocalCopy() {
    var banner = document.querySelector(".local-copy-offer");
    var kept;
    try {
      kept = JSON.parse(localStorage.getItem(storageKey) || "null");
    } catch (error) {
      kept = null;
    }
    if (!kept || !banner) {
      return;
    }
    if (kept.sent && !config.dataset.refused) {
      // The form was sent and came back saved: the copy is in the story.
      localStorage.removeItem(storageKey);
      return;
    }
    if (JSON.stringify(kept.data) === snapshot()) {
      localStorage.removeItem(storageKey);
      return;
    }
    banner.querySelector("[data-local-copy-label]").textContent =
      "Changes kept in this browser from " + newsroomTime(new Date(kept.at));
    banner.hidden = false;
    banner.addEventListener("click", function (event) {
      var action = event.target.getAttribute("data-local-copy");
      if (action === "restore") {
        restore(kept.data);
        banner.hidden = true;
      } else if (action === "discard") {
        localStorage.removeItem(storageKey);
        banner.hidden = true;
      }
    });
  }

  function start() {
    form = document.getElementById("article_form");
    config = document.getElementById("story-form-config");
    if (!form || !config) {
      return;
    }
    url = config.dataset.autosaveUrl;
    storageKey = "newsroom-story-form:" + config.dataset.autosaveKey;
    // A form sent back refused holds typed text that is not saved anywhere: it counts as changed.
    initial = config.dataset.refused ? "" : snapshot();
    lastSent = initial;
    offerServerCopy();
    offerLocalCopy();
    form.addEventListener("input", keepLocally);
    form.addEventListener("change", keepLocally);
    // On blur: focusout bubbles, blur does not.
    form.addEventListener("focusout", autosave);
    window.setInterval(autosave, INTERVAL);
    window.setInterval(keepLocally, 5000);
    form.addEventListener("submit", function () {
      leaving = true;
      sending = true;
      try {
        var kept = JSON.parse(localStorage.getItem(storageKey) || "null");
        if (kept) {
          kept.sent = true;
          localStorage.setItem(storageKey, JSON.stringify(kept));
        }
      } catch (error) {
        /* nothing to mark */
      }
      window.removeEventListener("beforeunload", guard);
    });
    window.addEventListener("beforeunload", guard);
  }

  function guard(event) {
    if (isDirty()) {
      event.preventDefault();
      event.returnValue = "";
    }
  }

  // Preview links: "Copy" puts a link's address on the clipboard (the box stays selectable
  // for browsers that refuse the clipboard).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) {
      return;
    }
    var box = document.getElementById(button.getAttribute("data-copy"));
    if (!box) {
      return;
    }
    box.select();
    var done = function () {
      button.textContent = "Copied";
      window.setTimeout(function () {
        button.textContent = "Copy";
      }, 2000);
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(box.value).then(done, function () {});
    }
  });

  // After the admin's own scripts (inlines, the editor) have set up the form's fields.
  if (document.readyState === "complete") {
    start();
  } else {
    window.addEventListener("load", start);
  }
})();
