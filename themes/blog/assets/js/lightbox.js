/* Lightbox for {{< image classes="fancybox" >}}: a click on the picture shows the large
   image in a modal <dialog>; images with the same data-lightbox value are browsed with the
   buttons or the arrow keys. Esc, the close button or a click beside the image closes it.
   Without this script (or without <dialog>), the link simply opens the image. */
(function () {
  var links = Array.prototype.slice.call(document.querySelectorAll("a[data-lightbox]"));
  var me = document.currentScript;
  if (!links.length || typeof HTMLDialogElement !== "function") return;
  var say = function (k) { return (me && me.getAttribute("data-" + k)) || k; };
  var box = document.createElement("dialog");
  box.className = "lightbox";
  box.innerHTML = '<button type="button" class="lb-close"></button>' +
    '<figure><img alt=""><figcaption></figcaption></figure>' +
    '<button type="button" class="lb-prev"></button><button type="button" class="lb-next"></button>';
  document.body.appendChild(box);
  var img = box.querySelector("img"), cap = box.querySelector("figcaption");
  var bClose = box.querySelector(".lb-close"), bPrev = box.querySelector(".lb-prev"), bNext = box.querySelector(".lb-next");
  bClose.textContent = "×"; bClose.setAttribute("aria-label", say("close"));
  bPrev.textContent = "‹"; bPrev.setAttribute("aria-label", say("prev"));
  bNext.textContent = "›"; bNext.setAttribute("aria-label", say("next"));
  var group = [], at = 0, opener = null;

  function show(i) {
    at = (i + group.length) % group.length;
    var a = group[at], small = a.querySelector("img");
    img.src = a.href;
    img.alt = small ? small.alt : "";
    var fig = a.closest("figure"), c = fig && fig.querySelector("figcaption");
    cap.textContent = c ? c.textContent : "";
    cap.hidden = !cap.textContent;
    bPrev.hidden = bNext.hidden = group.length < 2;
  }
  links.forEach(function (a) {
    a.addEventListener("click", function (e) {
      if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      opener = a;
      group = links.filter(function (b) { return b.getAttribute("data-lightbox") === a.getAttribute("data-lightbox"); });
      show(group.indexOf(a));
      box.showModal();
    });
  });
  bClose.addEventListener("click", function () { box.close(); });
  bPrev.addEventListener("click", function () { show(at - 1); });
  bNext.addEventListener("click", function () { show(at + 1); });
  box.addEventListener("click", function (e) { if (e.target === box) box.close(); });
  box.addEventListener("keydown", function (e) {
    if (group.length < 2) return;
    if (e.key === "ArrowLeft") show(at - 1);
    else if (e.key === "ArrowRight") show(at + 1);
  });
  box.addEventListener("close", function () { img.removeAttribute("src"); if (opener) opener.focus(); });
})();
