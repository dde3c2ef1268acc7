// Shared by the sandbox chat pages (chat.html for Telegram, line.html for LINE).
// Both pages have the same skeleton: #list (the messages), #err (the error line), #panel (small
// forms) and the #input form with #text and #sendBtn. Plain browser JS: one global, `Sandbox`.
window.Sandbox = (() => {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const POLL_MS = 700;

  // localStorage under "sandbox.*"; silently does nothing where storage is unavailable.
  const store = {
    get: (k, d) => { try { return localStorage.getItem("sandbox." + k) ?? d; } catch (e) { return d; } },
    set: (k, v) => { try { localStorage.setItem("sandbox." + k, v); } catch (e) { /* private mode */ } },
  };

  // `u` as an absolute URL when its protocol matches `protocols` (a RegExp), else null.
  // Relative URLs resolve against `base` when one is given.
  function checkUrl(u, protocols, base) {
    try { const x = new URL(u, base); return protocols.test(x.protocol) ? x.href : null; }
    catch (e) { return null; }
  }

  // "HH:MM" in the browser's locale for a time in milliseconds; "" when there is none.
  function clock(ms) {
    return ms ? new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
  }

  // ---- sending ----
  // Show `text` on the error line ("" clears it).
  function showError(text) { $("err").textContent = text; }

  // POST `body` to `url`: a plain object goes as JSON, FormData as multipart; the `extra`
  // fields are added to either. Failures go to the error line. Resolves true on success.
  async function post(url, body, extra) {
    let init;
    if (body instanceof FormData) {
      for (const [k, v] of Object.entries(extra || {})) body.append(k, v);
      init = { method: "POST", body };
    } else {
      init = { method: "POST", headers: { "Content-Type": "application/json" },
               body: JSON.stringify(Object.assign({}, body, extra)) };
    }
    try {
      const r = await fetch(url, init);
      let data = null;
      try { data = await r.json(); } catch (e) { /* non-JSON error page */ }
      if (!r.ok || !data || data.ok === false) {
        showError("ส่งไม่สำเร็จ / send failed: " + ((data && data.description) || ("HTTP " + r.status)));
        return false;
      }
      showError(data.delivered === false ? "⚠ bot webhook not reached (status " + data.status + ")" : "");
      return true;
    } catch (e) {
      showError("ส่งไม่สำเร็จ / send failed: " + e.message);
      return false;
    }
  }

  // Send what is typed in #text with `send({ text })` on submit; the text stays when sending fails.
  function bindTextForm(send) {
    $("input").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const box = $("text"), text = box.value;
      if (!text.trim()) return;
      $("sendBtn").disabled = true;
      if (await send({ text })) { if (box.value === text) box.value = ""; } // keep text on failure
      $("sendBtn").disabled = false; box.focus();
    });
  }

  // ---- small inline forms (#panel) ----
  // Close the form.
  function hidePanel() { $("panel").style.display = "none"; $("panel").textContent = ""; }

  // Open a form: `fields` = [[placeholder, value, width?], ...]; `onOk(values)` may be async and
  // returns true to close the form. Enter in any field presses Send.
  function showPanel(label, fields, onOk) {
    const p = $("panel"); p.textContent = ""; p.style.display = "flex";
    const span = document.createElement("span"); span.textContent = label; p.appendChild(span);
    const inputs = fields.map(([ph, val, width]) => {
      const i = document.createElement("input"); i.placeholder = ph; i.value = val; i.title = ph;
      if (width) i.style.width = width;
      p.appendChild(i); return i;
    });
    const ok = document.createElement("button"); ok.type = "button"; ok.textContent = "ส่ง / Send";
    const cancel = document.createElement("button"); cancel.type = "button"; cancel.textContent = "✕";
    ok.onclick = async () => { if (await onOk(inputs.map((i) => i.value.trim()))) hidePanel(); };
    cancel.onclick = hidePanel;
    inputs.forEach((i) => i.addEventListener("keydown", (e) => { if (e.key === "Enter") ok.click(); }));
    p.append(ok, cancel); inputs[0].focus();
  }

  // The location form, prefilled from `def` = {latitude, longitude, address?} (an address field
  // appears only when `def` has one); sends `{ location }` with `send` once the numbers are valid.
  function locationForm(note, def, send) {
    const fields = [["latitude", def.latitude.toFixed(4)], ["longitude", def.longitude.toFixed(4)]];
    if (def.address != null) fields.push(["address (optional)", def.address, "190px"]);
    showPanel("📍 " + (note || "ตำแหน่ง / location"), fields, async ([la, lo, address]) => {
      const latitude = parseFloat(la), longitude = parseFloat(lo);
      if (!isFinite(latitude) || !isFinite(longitude) || Math.abs(latitude) > 90 || Math.abs(longitude) > 180) {
        showError("พิกัดไม่ถูกต้อง / invalid coordinates"); return false;
      }
      const location = { latitude, longitude };
      if (address) location.address = address;
      return send({ location });
    });
  }

  // Share a location: the browser's geolocation first, the form prefilled from `def` as fallback.
  function shareLocation(def, send) {
    if (!navigator.geolocation || !window.isSecureContext) return locationForm(undefined, def, send);
    showError("กำลังหาตำแหน่ง… / locating…");
    navigator.geolocation.getCurrentPosition(
      (pos) => { showError(""); send({ location: { latitude: pos.coords.latitude, longitude: pos.coords.longitude } }); },
      () => { showError(""); locationForm("ใช้ GPS ไม่ได้ / GPS unavailable", def, send); },
      { timeout: 8000, maximumAge: 60000 });
  }

  // ---- the message list ----
  // `pinned` = the view was at the bottom at the last scroll; images that finish loading later
  // grow the list without a scroll event, so pages re-pin when they load (scrollIfNearBottom).
  let pinned = true;

  // Start following #list: track `pinned` on scroll, and stay pinned when the list shrinks
  // because the error line, a form, a keyboard or quick replies appear.
  function followList() {
    $("list").addEventListener("scroll", () => {
      const l = $("list"); pinned = l.scrollHeight - l.scrollTop - l.clientHeight < 80;
    });
    if (window.ResizeObserver) new ResizeObserver(scrollIfNearBottom).observe($("list"));
  }
  // Scroll to the newest message if the view was already there.
  function scrollIfNearBottom() { if (pinned) scrollToBottom(); }
  // Scroll to the newest message.
  function scrollToBottom() { const l = $("list"); l.scrollTop = l.scrollHeight; pinned = true; }

  // Show the `.hint` line with `text` in `list` while `empty`; remove it otherwise.
  function toggleHint(list, empty, text) {
    const hint = list.querySelector(".hint");
    if (empty) {
      if (!hint) { const h = document.createElement("div"); h.className = "hint"; h.textContent = text; list.appendChild(h); }
    } else if (hint) hint.remove();
  }

  // Make `list` show `messages` in order, identified by `m[key]`. `rendered` maps key ->
  // {el, sig}: new or edited messages are (re)built with `build(m)`, ones gone from `messages`
  // (deleted by the bot) are removed. Returns true when a message was added.
  function syncMessages(list, rendered, messages, key, build) {
    let added = false, prev = null;
    for (const m of messages) {
      const sig = JSON.stringify(m);
      const old = rendered.get(m[key]);
      if (!old || old.sig !== sig) {
        const el = build(m);
        if (old) old.el.replaceWith(el);
        else { added = true; if (prev) prev.after(el); else list.prepend(el); }
        rendered.set(m[key], { el, sig });
      }
      prev = rendered.get(m[key]).el;
    }
    const keys = new Set(messages.map((m) => m[key]));
    for (const [k, r] of rendered) if (!keys.has(k)) { r.el.remove(); rendered.delete(k); }
    return added;
  }

  // ---- polling: re-fetch the whole (small) history so edits are caught ----
  // Returns `poll(now)`: fetches `url()` and calls `render(messages sorted by m[key])`, unless
  // `owner()` (the current chat / user) changed meanwhile; then polls again after POLL_MS.
  // Never overlaps requests; `poll(true)` while one runs polls again right after it.
  function poller(url, owner, key, render) {
    let timer = null, polling = false, again = false;
    async function poll(now) {
      if (polling) { again = again || now; return; }
      clearTimeout(timer); polling = true;
      const forOwner = owner();
      try {
        const r = await fetch(url(), { cache: "no-store" });
        if (r.ok && forOwner === owner()) {
          const data = await r.json();
          render((data.messages || []).slice().sort((a, b) => a[key] - b[key]));
        }
      } catch (e) { /* server restarting: just retry on the next tick */ }
      polling = false;
      if (again) { again = false; return poll(true); }
      timer = setTimeout(poll, POLL_MS);
    }
    return poll;
  }

  return {
    $, store, checkUrl, clock, showError, post, bindTextForm, hidePanel, showPanel,
    locationForm, shareLocation, followList, scrollIfNearBottom, scrollToBottom,
    toggleHint, syncMessages, poller,
  };
})();
