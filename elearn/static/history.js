// Only on a form page answered in place after a refusal (elearn/prg.py, a form too big to keep
// in the session): this history entry becomes a GET, so reload and Back show the page again
// instead of offering to send the form a second time. The typed text is on the page already.
(function () {
  "use strict";
  if (window.history && window.history.replaceState) {
    try { window.history.replaceState(null, "", window.location.href); } catch (e) { /* the old way */ }
  }
}());
