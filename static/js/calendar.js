// The calendar feed page: "Copy address" buttons. Without JavaScript (or a clipboard) the
// buttons stay hidden and the readonly fields are selected and copied by hand.
(function () {
  function say(status, message) {
    if (!status) { return; }
    // Emptied first, so a second copy is announced again.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = message; }, 50);
  }

  document.querySelectorAll("[data-select-on-focus]").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });

  if (!navigator.clipboard || !navigator.clipboard.writeText) { return; }
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var input = document.getElementById(button.dataset.copy);
    var status = document.querySelector('[data-copy-status="' + button.dataset.copy + '"]');
    if (!input) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(function () {
        say(status, "Copied");
      }, function () {
        input.focus();
        input.select();
        say(status, "Couldn't copy. The address is selected: press Control+C, or Command+C on a Mac.");
      });
    });
  });
})();
