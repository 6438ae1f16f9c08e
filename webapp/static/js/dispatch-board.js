// The day and depot in the picker are the ones planned, even when "Show" was not
// pressed after picking them: the solve form takes them over as it is sent.
(function () {
  var pick = document.getElementById("board-filter");
  var solve = document.getElementById("solve-form");
  if (!pick || !solve) return;
  solve.addEventListener("submit", function () {
    ["day", "depot"].forEach(function (name) {
      solve.elements[name].value = pick.elements[name].value;
    });
  });
})();
