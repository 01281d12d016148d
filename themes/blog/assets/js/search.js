/* The header's search box (blog/search.html), on Pagefind's static index. Nothing of the index
   is downloaded until the reader focuses the box or types in it; then pagefind.js (and its
   WebAssembly and index chunks, as the words need them) come from this site. Results list
   each page's title and an excerpt with the words found marked (<mark>, escaped by Pagefind). */
(function () {
  var box = document.querySelector(".site-search");
  if (!box || !("noModule" in HTMLScriptElement.prototype)) return;  // no dynamic import()
  var form = box.querySelector("form"), input = box.querySelector("input");
  var panel = box.querySelector(".search-results"), list = box.querySelector(".search-list");
  var status = box.querySelector(".search-status");
  var say = function (k, n) { return (status.getAttribute("data-" + k) || "").replace("%d", n); };
  var engine = null, wanted = "";
  box.hidden = false;

  function load() {
    if (!engine) {
      engine = import(form.getAttribute("data-bundle")).then(function (pf) {
        return pf.options({ baseUrl: form.getAttribute("data-base"), excerptLength: 24 }).then(function () {
          pf.init();
          return pf;
        });
      });
      engine.catch(function () {});
    }
    return engine;
  }

  function show(text) {
    panel.hidden = false;
    status.textContent = text;
  }

  function close() { panel.hidden = true; }

  function item(data) {
    var li = document.createElement("li"), a = document.createElement("a"), p = document.createElement("p");
    a.href = data.url;
    a.textContent = (data.meta && data.meta.title) || data.url;
    p.className = "search-excerpt";
    p.innerHTML = data.excerpt;  // Pagefind's excerpt: the page's text, escaped, with <mark>
    li.appendChild(a);
    li.appendChild(p);
    return li;
  }

  // Pagefind matches "ham" with "hàm" (it drops the marks) but not "d" with "đ", a letter of
  // its own. A query typed without any diacritic is also searched with each word's leading
  // "d" read as "đ" ("dao ham" finds "đạo hàm"), and the two lists are merged by score.
  function variants(query) {
    var all = [query];
    if (/^[\x00-\x7f]*$/.test(query) && /(^|\s)d/i.test(query)) {
      all.push(query.replace(/(^|\s)d/gi, function (m, s) { return s + "đ"; }));
    }
    return all;
  }

  function merge(lists) {
    var seen = {}, all = [];
    lists.forEach(function (found) {
      found.results.forEach(function (r) {
        if (!seen[r.id] || seen[r.id].score < r.score) seen[r.id] = r;
      });
    });
    for (var id in seen) all.push(seen[id]);
    return all.sort(function (a, b) { return b.score - a.score; });
  }

  function run() {
    var query = input.value.trim();
    wanted = query;
    if (!query) { list.textContent = ""; close(); return; }
    show(say("loading"));
    load().then(function (pf) {
      return pf.debouncedSearch(query, {}, 200).then(function (first) {
        if (!first || wanted !== query) return;  // a newer query took over
        var more = variants(query).slice(1).map(function (q) { return pf.search(q); });
        return Promise.all(more).then(function (rest) {
          return merge([first].concat(rest));
        });
      }).then(function (results) {
        if (!results || wanted !== query) return;
        return Promise.all(results.slice(0, 8).map(function (r) { return r.data(); })).then(function (pages) {
          if (wanted !== query) return;
          list.textContent = "";
          pages.forEach(function (d) { list.appendChild(item(d)); });
          var n = results.length;
          show(n === 0 ? say("none").replace("%s", query) : n === 1 ? say("one", 1) : say("many", n));
        });
      });
    }, function () {
      list.textContent = "";
      show(say("missing"));
    });
  }

  input.addEventListener("focus", function () { load(); }, { once: true });
  input.addEventListener("input", run);
  form.addEventListener("submit", function (e) { e.preventDefault(); run(); });
  box.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && !panel.hidden) { close(); input.focus(); }
  });
  document.addEventListener("click", function (e) { if (!box.contains(e.target)) close(); });
  input.addEventListener("focus", function () { if (input.value.trim() && list.children.length) panel.hidden = false; });
})();
