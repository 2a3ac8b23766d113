// A session's page, live: the answer counts follow as people reply, and a notice (announced to
// screen readers) says when the facilitators reschedule, update or cancel it. Everything on
// the page also works without this file.
(function () {
  "use strict";

  var page = document.querySelector("[data-live-session]");
  var socket = window.workspaceSocket;
  if (!page || !socket) { return; }
  var sessionId = Number(page.dataset.liveSession);
  var announce = window.workspaceAnnounce || function () {};

  function follow() { socket.emit("watch_session", {session_id: sessionId}, function () {}); }
  if (socket.connected) { follow(); }
  socket.on("connect", follow);

  socket.on("answers_changed", function (data) {
    if (data.session_id !== sessionId) { return; }
    var counts = document.querySelector("[data-answer-counts]");
    if (!counts) { return; }
    var text = data.going + " going";
    if (data.maybe) { text += ", " + data.maybe + " maybe"; }
    if (data.not_going) { text += ", " + data.not_going + " not going"; }
    counts.textContent = text + ".";  // quietly: answers come often and need no announcement
  });

  socket.on("session_changed", function (data) {
    if (data.session_id !== sessionId) { return; }
    var notice = document.querySelector("[data-session-changed]");
    if (!notice) { return; }
    notice.querySelector("[data-session-changed-text]").textContent = data.message;
    notice.hidden = false;
    announce(data.message + " Reload the page to see the changes.");
  });
})();
