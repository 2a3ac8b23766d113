// The notification centre: "Mark as read" on one row answers without leaving the page. Without
// this script the same buttons post the form and come back to the centre.
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var row = form.closest && form.closest("[data-notice-group]");
    if (!row || !window.workspacePostJSON) { return; }
    event.preventDefault();
    window.workspacePostJSON(form.action, {}, form).then(function () {
      row.classList.remove("workspace-notification--unread");
      var tag = row.querySelector(".workspace-tag--unread");
      if (tag) { tag.remove(); }
      var link = row.querySelector("a[data-read-url]");
      if (link) { link.removeAttribute("data-read-url"); }
      // The button goes with the form: keep the keyboard on the row.
      var focusable = row.querySelector("a") || row;
      if (focusable === row) { row.setAttribute("tabindex", "-1"); }
      form.remove();
      focusable.focus();
      window.workspaceAnnounce("Marked as read.");
    }).catch(function () {
      form.dataset.submitting = "false";
      form.submit();  // let the server answer the ordinary way
    });
  });
})();
