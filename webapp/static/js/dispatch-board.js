// The day and depot in the picker are the ones planned, even when "Show" was not
// pressed after picking them: the solve form takes them over as it is sent. The trucks
// and drivers ticked are those of the day shown; for another day they are not sent, and
// the server plans with that day's whole available fleet.
(function () {
  var pick = document.getElementById("board-filter");
  var solve = document.getElementById("solve-form");
  if (!pick || !solve) return;
  solve.addEventListener("submit", function () {
    var moved = ["day", "depot"].some(function (name) {
      return solve.elements[name].value !== pick.elements[name].value;
    });
    ["day", "depot"].forEach(function (name) {
      solve.elements[name].value = pick.elements[name].value;
    });
    if (moved) {
      solve.elements.fleet_shown.value = "";
      solve.querySelectorAll("input[name=vehicles], input[name=drivers]").forEach(function (box) {
        box.disabled = true;
      });
    }
  });
})();
