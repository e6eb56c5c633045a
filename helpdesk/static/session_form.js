// The session log form without a page reload's worth of fuss: filter the topics as you type,
// and typing minutes picks "Other". The form works without this script.
(function () {
  "use strict";
  var filterBox = document.querySelector(".topic-filter");
  var filter = document.getElementById("topic-filter");
  var items = document.querySelectorAll("#topic-list li");
  if (filterBox && filter) {
    filterBox.hidden = false;
    filter.addEventListener("input", function () {
      var wanted = filter.value.trim().toLowerCase();
      items.forEach(function (item) {
        var input = item.querySelector("input");
        var match = !wanted || item.dataset.title.indexOf(wanted) !== -1;
        // A ticked topic stays in sight, so that nothing chosen is hidden.
        item.hidden = !(match || (input && input.checked));
      });
    });
    // Enter in the filter ticks the only topic left instead of sending the form.
    filter.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") return;
      event.preventDefault();
      var visible = Array.prototype.filter.call(items, function (item) {
        var input = item.querySelector("input");
        return !item.hidden && input && !input.checked;
      });
      if (visible.length === 1) {
        visible[0].querySelector("input").checked = true;
        filter.value = "";
        filter.dispatchEvent(new Event("input"));
      }
    });
  }
  var minutes = document.getElementById("session-duration-other");
  var other = document.getElementById("duration-other");
  if (minutes && other) {
    minutes.addEventListener("input", function () { if (minutes.value) other.checked = true; });
  }
  var otherText = document.getElementById("session-other-topic");
  var otherTopic = document.getElementById("topic-other");
  if (otherText && otherTopic) {
    otherText.addEventListener("input", function () { if (otherText.value.trim()) otherTopic.checked = true; });
  }
})();
