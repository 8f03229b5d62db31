// The interview's exchanges on the story form: paste a whole Q/A block, add the next exchange
// from the keyboard (Ctrl+Enter or Alt+Enter in an exchange), reorder by dragging or with the
// Move up / Move down buttons (the position numbers are kept in hidden fields, renumbered
// here), and fold the original-language text.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";

  const group = document.getElementById("exchanges-group");
  if (!group) return;
  const form = group.closest("form");
  const adminRoot = () => {
    const at = window.location.pathname.indexOf("/articles/article/");
    return at < 0 ? "/admin/" : window.location.pathname.slice(0, at + 1);
  };

  const rows = () =>
    Array.from(group.querySelectorAll(".inline-related")).filter(
      (row) => !row.classList.contains("empty-form") && !row.id.endsWith("-empty")
    );
  const field = (row, name) => row.querySelector(`[name$="-${name}"]`);
  const isFilled = (row) =>
    Boolean(
      (field(row, "id") && field(row, "id").value) ||
        ["question", "answer", "question_original", "answer_original"].some(
          (name) => field(row, name) && field(row, name).value.trim()
        )
    );

  function renumber() {
    let number = 0;
    rows().forEach((row) => {
      const position = field(row, "position");
      const label = row.querySelector("h3 .inline_label");
      if (!isFilled(row)) {
        if (label) label.textContent = "new question";
        return;
      }
      number += 1;
      if (position && position.type === "hidden") position.value = String(number);
      if (label) label.textContent = `question ${number}`;
    });
  }

  function move(row, offset) {
    const list = rows();
    const index = list.indexOf(row);
    const target = list[index + offset];
    if (!target) return;
    if (offset < 0) target.before(row);
    else target.after(row);
    renumber();
    const button = row.querySelector(offset < 0 ? ".exchange-up" : ".exchange-down");
    if (button) button.focus();
    announce(`Moved to place ${rows().indexOf(row) + 1}.`);
  }

  const status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("aria-live", "polite");
  group.prepend(status);
  const announce = (text) => {
    status.textContent = text;
  };

  let dragged = null;
  function addTools(row) {
    if (row.querySelector(".exchange-tools")) return;
    const position = field(row, "position");
    const tools = document.createElement("div");
    tools.className = "exchange-tools";
    if (position && position.type === "hidden") {
      const handle = document.createElement("span");
      handle.className = "exchange-handle";
      handle.textContent = "⠿";
      handle.title = "Drag to move this question";
      handle.setAttribute("aria-hidden", "true");
      handle.draggable = true;
      handle.addEventListener("dragstart", (event) => {
        dragged = row;
        row.classList.add("is-dragged");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", row.id);
      });
      handle.addEventListener("dragend", () => {
        row.classList.remove("is-dragged");
        dragged = null;
        renumber();
      });
      const up = document.createElement("button");
      up.type = "button";
      up.className = "exchange-up";
      up.textContent = "↑ Move up";
      up.addEventListener("click", () => move(row, -1));
      const down = document.createElement("button");
      down.type = "button";
      down.className = "exchange-down";
      down.textContent = "↓ Move down";
      down.addEventListener("click", () => move(row, 1));
      tools.prepend(handle);
      tools.append(up, down);
      row.addEventListener("dragover", (event) => {
        if (!dragged || dragged === row) return;
        event.preventDefault();
        const box = row.getBoundingClientRect();
        if (event.clientY < box.top + box.height / 2) row.before(dragged);
        else row.after(dragged);
      });
      row.addEventListener("drop", (event) => event.preventDefault());
    }
    const heading = row.querySelector("h3");
    if (tools.childElementCount) heading.after(tools);
    // The original beside the English: open unless folded.
    row.querySelectorAll("details").forEach((details) => {
      details.open = !group.classList.contains("originals-folded");
    });
    row.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey || event.altKey)) {
        event.preventDefault();
        addExchange().then((added) => field(added, "question").focus());
      }
    });
    row.addEventListener("input", renumber);
    ["answer", "answer_original"].forEach((name) => {
      const answer = field(row, name);
      if (answer && !answer.readOnly && answer.tagName === "TEXTAREA") addMarkupButtons(answer);
    });
  }

  // Italics and links in an answer: the only markup an answer keeps (cleaned on save).
  function wrap(textarea, before, after) {
    const { selectionStart: start, selectionEnd: end, value } = textarea;
    textarea.value = value.slice(0, start) + before + value.slice(start, end) + after + value.slice(end);
    textarea.focus();
    textarea.setSelectionRange(start + before.length, end + before.length);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }
  function italic(textarea) {
    wrap(textarea, "<em>", "</em>");
  }
  // Asked in the desk's own dialog (ask.js), which says what is wrong with an address and
  // stays open for another, where prompt() silently dropped it.
  async function link(textarea) {
    const { selectionStart: start, selectionEnd: end } = textarea;
    const address = await window.newsroomAsk({
      title: "Link",
      label: "Link to",
      name: "href",
      type: "url",
      value: "https://",
      description: "The address the selected words link to: https://…, http://… or mailto:…",
      submitText: "Link",
      async check(typed) {
        if (/^(https?:\/\/[^\s/]+|mailto:\S+@)/i.test(typed)) return { value: typed };
        return {
          error: "That is not an address this answer can link to: it must begin https://, http:// or mailto:.",
        };
      },
    });
    if (!address) return;
    textarea.setSelectionRange(start, end);
    wrap(textarea, `<a href="${address.replace(/"/g, "%22")}">`, "</a>");
  }
  function addMarkupButtons(textarea) {
    const bar = document.createElement("span");
    bar.className = "answer-markup";
    const make = (text, title, action) => {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = text;
      button.title = title;
      button.addEventListener("click", () => action(textarea));
      bar.append(button);
    };
    make("Italic", "Italic (Ctrl+I): the selected words in italics", italic);
    make("Link", "Link (Ctrl+K): links the selected words", link);
    textarea.before(bar);
    textarea.addEventListener("keydown", (event) => {
      if (!(event.ctrlKey || event.metaKey)) return;
      if (event.key === "i") {
        event.preventDefault();
        italic(textarea);
      } else if (event.key === "k") {
        event.preventDefault();
        link(textarea);
      }
    });
  }

  function addLink() {
    return group.querySelector(".add-row a");
  }

  // The next blank row, adding one if there is none.
  function addExchange() {
    return new Promise((resolve) => {
      const blank = rows().find((row) => !isFilled(row));
      if (blank) return resolve(blank);
      const link = addLink();
      if (!link) return resolve(rows()[rows().length - 1]);
      link.click();
      const list = rows();
      resolve(list[list.length - 1]);
    });
  }

  document.addEventListener("formset:added", (event) => {
    if (event.target.closest && event.target.closest("#exchanges-group")) {
      addTools(event.target);
      renumber();
    }
  });

  // Folding the originals, all at once.
  const originals = group.querySelector("details");
  if (originals) {
    const fold = document.createElement("button");
    fold.type = "button";
    fold.className = "exchange-fold";
    const label = () => {
      fold.textContent = group.classList.contains("originals-folded")
        ? "Show the original beside each exchange"
        : "Fold away the originals";
    };
    fold.addEventListener("click", () => {
      group.classList.toggle("originals-folded");
      const open = !group.classList.contains("originals-folded");
      group.querySelectorAll(".inline-related details").forEach((d) => (d.open = open));
      label();
    });
    label();
    group.querySelector("h2").after(fold);
  }

  // Pasting a whole Q/A block: parsed by the server with the importer's rules.
  const paste = document.createElement("details");
  paste.className = "qa-paste";
  paste.innerHTML = `
    <summary>Paste questions and answers</summary>
    <p class="help">Start each question with <kbd>Q:</kbd> and each answer with <kbd>A:</kbd>
      (paragraphs separated by blank lines), as in a story file. They are added after the
      questions already here; nothing is saved until you save the story.</p>
    <div class="qa-paste__boxes">
      <label>English<textarea class="qa-paste__text" rows="8" dir="auto"></textarea></label>
      <label>Original (optional, same questions in the same order; Arabic may use س: and ج:)
        <textarea class="qa-paste__original" rows="8" dir="auto"></textarea></label>
    </div>
    <p><button type="button" class="qa-paste__make">Make exchanges</button></p>
    <p class="qa-paste__result" role="status"></p>`;
  group.querySelector("h2").after(paste);
  const result = paste.querySelector(".qa-paste__result");
  paste.querySelector(".qa-paste__make").addEventListener("click", async () => {
    const token = form && form.querySelector("[name=csrfmiddlewaretoken]");
    result.textContent = "Reading…";
    result.classList.remove("errornote");
    let data;
    try {
      const response = await fetch(`${adminRoot()}articles/article/exchanges/parse/`, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          "X-CSRFToken": token ? token.value : "",
        },
        body: JSON.stringify({
          text: paste.querySelector(".qa-paste__text").value,
          original: paste.querySelector(".qa-paste__original").value,
        }),
      });
      data = await response.json();
    } catch (error) {
      data = { error: "The copy could not be read just now. It is still in the box: try again." };
    }
    if (data.error) {
      result.textContent = data.error;
      result.classList.add("errornote");
      return;
    }
    for (const exchange of data.exchanges) {
      const row = await addExchange();
      for (const name of ["question", "answer", "question_original", "answer_original"]) {
        const input = field(row, name);
        if (input && !input.readOnly) input.value = exchange[name];
      }
    }
    renumber();
    let message = `${data.exchanges.length} ${data.exchanges.length === 1 ? "exchange" : "exchanges"} added below: check them, then save.`;
    if (data.intro_paragraphs) {
      message += ` ${data.intro_paragraphs} paragraph(s) before the first question were left out: they belong in the story's text.`;
    }
    result.textContent = message;
    form.dispatchEvent(new Event("input", { bubbles: true }));
  });

  rows().forEach(addTools);
  renumber();
  if (form) form.addEventListener("submit", renumber);
});
