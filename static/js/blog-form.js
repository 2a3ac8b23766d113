// The post form: the date and time fields matter only when the post is scheduled.
(function () {
  "use strict";
  var form = document.querySelector("[data-post-form]");
  var schedule = form && form.querySelector("[data-schedule]");
  if (!schedule) { return; }
  function update() {
    var chosen = form.querySelector('input[name="publishing"]:checked');
    schedule.hidden = !chosen || chosen.value !== "later";
  }
  form.querySelectorAll('input[name="publishing"]').forEach(function (radio) {
    radio.addEventListener("change", update);
  });
  update();
})();
