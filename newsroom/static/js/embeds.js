// Embedded media on a story: a link until the reader asks for the player. The player is our own
// small page (/embed/<provider>/<id>/), whose policy alone allows that provider's frame; the
// story page itself never loads anything from the provider.
(function () {
  "use strict";
  document.querySelectorAll("figure[data-embed-player]").forEach(function (figure) {
    var button = figure.querySelector(".embed__load");
    if (!button) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var frame = document.createElement("iframe");
      frame.src = figure.getAttribute("data-embed-player");
      frame.title = figure.getAttribute("data-embed-title") || "Embedded media";
      frame.className = "embed__frame";
      frame.setAttribute("loading", "lazy");
      frame.setAttribute("allow", "fullscreen; picture-in-picture; encrypted-media");
      var consent = figure.querySelector(".embed__consent");
      consent.replaceWith(frame);
      frame.focus();
    });
  });
})();
