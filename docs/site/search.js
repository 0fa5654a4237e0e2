// Search the course offline: window.COURSE_SEARCH (search-index.js) lists every section of every
// page with its text; a section matches when it contains every word typed.
(function () {
  var input = document.getElementById("course-search");
  var results = document.getElementById("course-search-results");
  var index = window.COURSE_SEARCH || [];
  if (!input || !results) return;

  function snippet(text, word) {
    var at = text.toLowerCase().indexOf(word);
    var start = Math.max(0, at - 40);
    return (start > 0 ? "…" : "") + text.slice(start, start + 120) + "…";
  }

  function show(query) {
    results.innerHTML = "";
    var words = query.toLowerCase().split(/\s+/).filter(function (w) { return w.length > 1; });
    if (!words.length) return;
    var hits = index.filter(function (entry) {
      var hay = (entry.title + " " + entry.text).toLowerCase();
      return words.every(function (w) { return hay.indexOf(w) >= 0; });
    }).slice(0, 12);
    if (!hits.length) {
      results.innerHTML = "<li>No section mentions all of that.</li>";
      return;
    }
    hits.forEach(function (entry) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = entry.href;
      a.textContent = entry.page + " · " + entry.title;
      var small = document.createElement("small");
      small.textContent = snippet(entry.text, words[0]);
      li.appendChild(a);
      li.appendChild(small);
      results.appendChild(li);
    });
  }

  input.addEventListener("input", function () { show(input.value); });
  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) { input.value = initial; show(initial); }
})();
