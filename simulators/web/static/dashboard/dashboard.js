// Light progressive enhancement: the pages work without this file.
// Filters a table's rows as you type in a search field (#kommune-soeg).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var field = document.getElementById("kommune-soeg");
  if (!field) { return; }
  var rows = document.querySelectorAll("tr[data-soeg]");
  var counter = document.getElementById("antal");
  field.addEventListener("input", function () {
    var needle = field.value.trim().toLowerCase();
    var shown = 0;
    rows.forEach(function (row) {
      var hit = !needle || row.getAttribute("data-soeg").indexOf(needle) !== -1;
      row.classList.toggle("hidden", !hit);
      if (hit) { shown += 1; }
    });
    if (counter) { counter.textContent = String(shown); }
  });
});
