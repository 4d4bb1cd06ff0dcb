// Comfort only: every page works without it. The text size buttons (footer) and, on a lesson,
// reading it aloud with the phone's own voice. Labels come from the page, in its language.
(function () {
  "use strict";
  var root = document.documentElement;

  // -- Text size: remembered on this phone (elearn/static/early.js applies it before drawing).
  var sizes = document.querySelectorAll("[data-text-size]");
  var resized = function () {};
  function showSize(size) {
    root.classList.remove("text-lg", "text-xl");
    if (size) root.classList.add("text-" + size);
    for (var i = 0; i < sizes.length; i++) {
      sizes[i].setAttribute("aria-pressed", String(sizes[i].getAttribute("data-text-size") === size));
    }
  }
  function chosenSize() {
    try { return localStorage.getItem("textSize") || ""; } catch (e) { return ""; }
  }
  for (var i = 0; i < sizes.length; i++) {
    sizes[i].addEventListener("click", function () {
      var size = this.getAttribute("data-text-size");
      try { if (size) localStorage.setItem("textSize", size); else localStorage.removeItem("textSize"); } catch (e) { /* kept for this page only */ }
      showSize(size);
      resized();
    });
  }
  showSize(chosenSize());

  // -- Listen to a lesson: one sentence at a time, the one being read highlighted.
  var bar = document.querySelector("[data-listen]");
  var text = document.querySelector("[data-listen-text]");
  var speech = window.speechSynthesis;
  if (!bar || !text || !speech || !window.SpeechSynthesisUtterance) return;
  var start = bar.querySelector("[data-listen-start]");
  var pause = bar.querySelector("[data-listen-pause]");
  var stop = bar.querySelector("[data-listen-stop]");
  var lang = (text.closest("[lang]") || root).getAttribute("lang") || "vi";
  var voice = null;
  var sentences = [];  // [{text, spans}]
  var wrapped = [];  // [{node, spans}]: how to put the lesson back as it was
  var current = 0;
  var run = 0;  // each start or pause begins a new run: the utterances of an older one are ignored
  var paused = false;

  function pickVoice() {
    var voices = speech.getVoices() || [];
    if (!voices.length) return false;
    voice = null;
    for (var i = 0; i < voices.length && !voice; i++) {
      if (/^vi([-_]|$)/i.test(voices[i].lang || "")) voice = voices[i];
    }
    bar.hidden = false;
    fitBar();
    return true;
  }
  // The bar covers the bottom of the screen: as much room below the page, whatever the text size.
  function fitBar() { document.body.style.paddingBottom = bar.offsetHeight + "px"; }
  resized = fitBar;
  window.addEventListener("resize", fitBar);
  if (!pickVoice() && speech.addEventListener) speech.addEventListener("voiceschanged", pickVoice);

  var BLOCKS = "h1,h2,h3,h4,p,li,dt,dd,td,th,figcaption,blockquote";
  var SENTENCE_END = /[.!?…]+["'”’)]*\s+/g;

  function wrap() {
    var walker = document.createTreeWalker(text, NodeFilter.SHOW_TEXT, null);
    var byBlock = [];
    var blocks = [];
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.data.trim()) continue;
      var block = node.parentNode.closest(BLOCKS);
      if (!block || !text.contains(block)) block = text;
      var at = blocks.indexOf(block);
      if (at < 0) { at = blocks.push(block) - 1; byBlock.push([]); }
      byBlock[at].push(node);
    }
    byBlock.forEach(function (nodes) {
      // The block's text cut after each full stop (or ! ? …): every character is in one piece.
      var whole = nodes.map(function (n) { return n.data; }).join("");
      var cuts = [0];
      whole.replace(SENTENCE_END, function (m, offset) { cuts.push(offset + m.length); return m; });
      if (cuts[cuts.length - 1] < whole.length) cuts.push(whole.length);
      var pieces = [];
      for (var k = 1; k < cuts.length; k++) {
        var said = whole.slice(cuts[k - 1], cuts[k]).trim();
        pieces.push(said ? sentences.push({text: said, spans: []}) - 1 : -1);
      }
      var offset = 0;
      nodes.forEach(function (n) {
        var end = offset + n.data.length;
        var piece = document.createDocumentFragment();
        var spans = [];
        for (var k = 1; k < cuts.length; k++) {
          var from = Math.max(cuts[k - 1], offset), to = Math.min(cuts[k], end);
          if (from >= to) continue;
          var span = document.createElement("span");
          span.className = "spoken";
          span.textContent = n.data.slice(from - offset, to - offset);
          if (pieces[k - 1] >= 0) sentences[pieces[k - 1]].spans.push(span);
          spans.push(span);
          piece.appendChild(span);
        }
        n.parentNode.replaceChild(piece, n);
        wrapped.push({node: n, spans: spans});
        offset = end;
      });
    });
  }

  function unwrap() {
    wrapped.forEach(function (w) {
      w.spans[0].parentNode.replaceChild(w.node, w.spans[0]);
      for (var i = 1; i < w.spans.length; i++) w.spans[i].parentNode.removeChild(w.spans[i]);
    });
    wrapped = [];
    sentences = [];
  }

  function mark(index, on) {
    var s = sentences[index];
    if (!s) return;
    s.spans.forEach(function (span) { span.classList.toggle("reading", on); });
    if (on && s.spans[0] && s.spans[0].scrollIntoView) s.spans[0].scrollIntoView({block: "nearest"});
  }

  function speak(mine) {
    if (mine !== run) return;
    if (current >= sentences.length) { finish(); return; }
    var utterance = new window.SpeechSynthesisUtterance(sentences[current].text);
    utterance.lang = voice ? voice.lang : lang;
    if (voice) utterance.voice = voice;
    utterance.rate = 0.9;
    mark(current, true);
    utterance.onend = utterance.onerror = function () {
      if (mine !== run) return;
      mark(current, false);
      current += 1;
      speak(mine);
    };
    speech.speak(utterance);
  }

  function showReading(reading) {
    start.hidden = reading;
    pause.hidden = stop.hidden = !reading;
    pause.textContent = pause.getAttribute(paused ? "data-resume" : "data-pause");
    fitBar();
  }

  function finish() {
    run += 1;
    speech.cancel();
    unwrap();
    paused = false;
    showReading(false);
    start.focus();
  }

  start.addEventListener("click", function () {
    speech.cancel();
    unwrap();
    wrap();
    current = 0;
    paused = false;
    run += 1;
    showReading(true);
    pause.focus();
    speak(run);
  });
  // Pausing stops the voice and keeps the place: speechSynthesis.pause() does not work on every phone.
  pause.addEventListener("click", function () {
    paused = !paused;
    run += 1;
    if (paused) { speech.cancel(); } else { speak(run); }
    mark(current, true);
    showReading(true);
  });
  stop.addEventListener("click", finish);
  window.addEventListener("pagehide", function () { run += 1; speech.cancel(); });
}());
