// The duty board's live updates: an EventSource on /board/events whose
// "update" events carry the sections that changed; each replaces the
// element of the same id. After an error the script asks /board/ping
// whether the session still holds: if not it says so and stops, otherwise
// it reconnects with a growing delay (1 s to 30 s).
(function () {
  "use strict";
  var body = document.body;
  var stamp = document.getElementById("stamp");
  var conn = document.getElementById("conn");
  var delay = 1000;
  var source = null;

  function status(text) {
    conn.textContent = text || "";
    conn.hidden = !text;
  }

  function apply(u) {
    var ids = Object.keys(u.sections || {});
    for (var i = 0; i < ids.length; i++) {
      var el = document.getElementById(ids[i]);
      if (el) {
        el.outerHTML = u.sections[ids[i]];
      }
    }
    if (u.stamp) {
      stamp.textContent = u.stamp;
    }
  }

  function connect() {
    source = new EventSource(body.dataset.events);
    source.addEventListener("update", function (ev) {
      delay = 1000;
      status("");
      apply(JSON.parse(ev.data));
    });
    source.onerror = function () {
      source.close();
      status(body.dataset.reconnecting);
      fetch(body.dataset.ping, { credentials: "same-origin", cache: "no-store" }).then(function (r) {
        if (r.status === 401 || r.status === 403) {
          status(body.dataset.expired);
          return;
        }
        retry();
      }, retry);
    };
  }

  function retry() {
    setTimeout(connect, delay);
    delay = Math.min(delay * 2, 30000);
  }

  connect();
})();
