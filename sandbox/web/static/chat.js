// dutybot sandbox: plays officials in a web chat against the fake Bot API.
// It long-polls /sandbox/wait for changes and re-reads the people list and
// the current chat; everything else is a small JSON call.
(function () {
  'use strict';
  const S = JSON.parse(document.getElementById('strings').textContent);
  const $ = (id) => document.getElementById(id);
  const els = {
    people: $('people'), filter: $('filter'), messages: $('messages'), keyboard: $('keyboard'),
    chatAs: $('chat-as'), composer: $('composer'), input: $('input'), send: $('send'),
    file: $('file'), photo: $('photo'), toast: $('toast'), offline: $('offline'),
  };

  let people = [];
  let current = decodeURIComponent(location.hash.slice(1)) || localStorage.getItem('sandbox-as') || '';
  let version = 0;
  let seen = null;          // bot messages seen per official, for unread badges
  let shown = {};           // message id -> rendered text of the current chat, to flash edits
  let shownFor = '';
  let pinned = true;        // the chat is scrolled to its end: a photo loading later keeps it there

  function fill(template, data) {
    return template.replace(/\{(\w+)\}/g, (m, k) => (k in data ? data[k] : m));
  }

  async function call(method, path, body) {
    const opts = { method: method, headers: {} };
    if (body instanceof FormData) {
      opts.body = body;
    } else if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    const res = await fetch(path, opts);
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(data.error || res.status + ' ' + res.statusText);
    return data;
  }

  let toastTimer = 0;
  function toast(text, alert) {
    els.toast.textContent = text;
    els.toast.className = 'toast' + (alert ? ' alert' : '');
    els.toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { els.toast.hidden = true; }, alert ? 6000 : 3500);
  }
  function failed(err) { toast(S.error + err.message, true); }

  // --- people ---
  function renderPeople() {
    const q = els.filter.value.trim().toLowerCase();
    const frag = document.createDocumentFragment();
    for (const p of people) {
      const hay = (p.name + ' ' + p.unit + ' ' + p.roles.join(' ') + ' ' + p.id).toLowerCase();
      if (q && !hay.includes(q)) continue;
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'person' + (p.id === current ? ' active' : '');
      b.dataset.id = p.id;
      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = p.name;
      const meta = document.createElement('span');
      meta.className = 'meta';
      meta.textContent = p.unit + ' · ' + p.roles.join('、');
      const side = document.createElement('span');
      side.className = 'side';
      const tag = document.createElement('span');
      tag.className = 'tag ' + (p.bound ? 'bound' : 'unbound');
      tag.textContent = p.bound ? S.bound : S.unbound;
      side.appendChild(tag);
      const unread = p.messages - (seen[p.id] || 0);
      if (p.id !== current && unread > 0) {
        const u = document.createElement('span');
        u.className = 'unread';
        u.textContent = unread;
        side.appendChild(u);
      }
      b.append(name, side, meta);
      b.addEventListener('click', () => choose(p.id));
      li.appendChild(b);
      frag.appendChild(li);
    }
    els.people.replaceChildren(frag);
  }

  function choose(id) {
    if (!people.some((p) => p.id === id)) return;
    current = id;
    localStorage.setItem('sandbox-as', id);
    if (location.hash.slice(1) !== id) history.replaceState(null, '', '#' + encodeURIComponent(id));
    refresh().catch(failed);
    els.input.focus();
  }

  // --- chat ---
  const linkRe = /(https?:\/\/[^\s<>"'，。、）)]+)|(^|[\s（(])(\/[a-z][a-z0-9_]{1,31})(?=$|[\s，。、）)])/g;

  // richText renders a message's plain text with links and clickable commands.
  function richText(parent, text) {
    let last = 0;
    text.replace(linkRe, (m, url, pre, cmd, offset) => {
      const start = url ? offset : offset + pre.length;
      parent.appendChild(document.createTextNode(text.slice(last, start)));
      const a = document.createElement('a');
      if (url) {
        a.href = url;
        a.target = '_blank';
        a.rel = 'noopener';
        a.textContent = url;
      } else {
        a.href = '#';
        a.className = 'command';
        a.textContent = cmd;
        a.addEventListener('click', (e) => { e.preventDefault(); sendText(cmd); });
      }
      parent.appendChild(a);
      last = start + (url || cmd).length;
      return m;
    });
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function renderMessage(m) {
    const box = document.createElement('div');
    box.className = 'msg ' + m.from;
    box.id = 'm-' + m.id;
    box.dataset.id = m.id;
    const bubble = document.createElement('div');
    bubble.className = 'bubble';
    if (m.document) {
      const doc = document.createElement('div');
      doc.className = 'doc';
      const icon = document.createElement('span');
      icon.className = 'icon';
      icon.textContent = '📄';
      doc.appendChild(icon);
      if (m.download) {
        const a = document.createElement('a');
        a.href = m.download;
        a.className = 'download';
        a.download = m.document;
        a.textContent = m.document;
        a.title = S.download;
        doc.appendChild(a);
      } else {
        doc.appendChild(document.createTextNode(m.document));
      }
      bubble.appendChild(doc);
    }
    if (m.photo) {
      const img = document.createElement('img');
      img.className = 'photo';
      img.src = m.photo;
      img.alt = S.photo;
      img.addEventListener('load', () => { if (pinned) els.messages.scrollTop = els.messages.scrollHeight; });
      bubble.appendChild(img);
    }
    if (m.contact) {
      bubble.appendChild(document.createTextNode(fill(S.contact, { phone: m.contact })));
    }
    if (m.text) {
      const t = document.createElement('span');
      t.className = 'text';
      richText(t, m.text);
      bubble.appendChild(t);
    }
    const stamp = document.createElement('span');
    stamp.className = 'stamp';
    if (m.edited) {
      const e = document.createElement('span');
      e.className = 'edited';
      e.textContent = S.edited + ' ' + m.edited;
      stamp.appendChild(e);
    }
    stamp.appendChild(document.createTextNode(m.time));
    bubble.appendChild(stamp);
    box.appendChild(bubble);
    if (m.buttons && m.buttons.length) {
      const kb = document.createElement('div');
      kb.className = 'inline-kb';
      for (const row of m.buttons) {
        const r = document.createElement('div');
        r.className = 'row';
        for (const btn of row) {
          let el;
          if (btn.url) {
            el = document.createElement('a');
            el.href = btn.url;
            el.target = '_blank';
            el.rel = 'noopener';
          } else {
            el = document.createElement('button');
            el.type = 'button';
            el.dataset.data = btn.data;
            el.addEventListener('click', () => press(m.id, btn.data, el));
          }
          el.textContent = btn.text;
          r.appendChild(el);
        }
        kb.appendChild(r);
      }
      box.appendChild(kb);
    }
    return box;
  }

  function renderChat(chat) {
    const p = people.find((x) => x.id === current);
    els.chatAs.textContent = p ? fill(S.chatWith, { name: p.name }) + ' · ' + p.unit : '';
    const enabled = !!p;
    els.input.disabled = els.send.disabled = !enabled;
    const atBottom = els.messages.scrollHeight - els.messages.scrollTop - els.messages.clientHeight < 80;
    const switched = shownFor !== current;
    const frag = document.createDocumentFragment();
    const next = {};
    let grew = false;
    if (!p) {
      const e = document.createElement('div');
      e.className = 'empty';
      e.textContent = S.pick;
      frag.appendChild(e);
    } else if (chat.messages.length === 0) {
      const e = document.createElement('div');
      e.className = 'empty';
      e.appendChild(document.createTextNode(S.empty));
      e.appendChild(document.createElement('br'));
      const b = document.createElement('button');
      b.type = 'button';
      b.id = 'start';
      b.className = 'primary';
      b.textContent = S.start;
      b.addEventListener('click', () => sendText('/start'));
      e.appendChild(b);
      frag.appendChild(e);
    }
    for (const m of (p ? chat.messages : [])) {
      const el = renderMessage(m);
      const key = (m.text || '') + '|' + (m.edited || '') + '|' + JSON.stringify(m.buttons || []);
      next[m.id] = key;
      if (!switched) {
        if (!(m.id in shown)) grew = true;
        else if (shown[m.id] !== key) el.classList.add('just-edited');
      }
      frag.appendChild(el);
    }
    shown = next;
    shownFor = current;
    els.messages.replaceChildren(frag);
    pinned = switched || grew || atBottom;
    if (pinned) els.messages.scrollTop = els.messages.scrollHeight;

    const kb = document.createDocumentFragment();
    for (const row of (p && chat.keyboard) || []) {
      const r = document.createElement('div');
      r.className = 'row';
      for (const btn of row) {
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = btn.text;
        if (btn.contact) {
          b.className = 'share-contact';
          b.addEventListener('click', () => call('POST', '/sandbox/contact', { as: current }).catch(failed));
        } else {
          b.addEventListener('click', () => sendText(btn.text));
        }
        r.appendChild(b);
      }
      kb.appendChild(r);
    }
    els.keyboard.replaceChildren(kb);
  }

  async function refresh() {
    const lang = document.documentElement.lang;
    const [ppl, chat] = await Promise.all([
      call('GET', '/sandbox/people?lang=' + encodeURIComponent(lang)),
      current ? call('GET', '/sandbox/chat?as=' + encodeURIComponent(current)).catch(() => null) : null,
    ]);
    people = ppl.people;
    if (seen === null) {
      seen = {};
      for (const p of people) seen[p.id] = p.messages;
    }
    if (current && !people.some((p) => p.id === current)) current = '';
    const me = people.find((p) => p.id === current);
    if (me) seen[me.id] = me.messages;
    renderPeople();
    renderChat(chat || { messages: [], keyboard: [] });
    version = Math.min(ppl.version, chat ? chat.version : ppl.version);
  }

  async function sendText(text) {
    if (!current) { toast(S.pick); return; }
    await call('POST', '/sandbox/send', { as: current, text: text }).catch(failed);
  }

  async function press(message, data, el) {
    el.disabled = true;
    try {
      const t = await call('POST', '/sandbox/press', { as: current, message: message, data: data });
      if (!t.answered) toast(S.noAnswer);
      else if (t.text) toast(t.text, t.alert);
    } catch (err) {
      failed(err);
    } finally {
      el.disabled = false;
    }
  }

  // --- wiring ---
  els.composer.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = els.input.value.trim();
    if (!text) return;
    els.input.value = '';
    sendText(text);
  });
  els.filter.addEventListener('input', renderPeople);
  els.file.addEventListener('change', () => {
    const f = els.file.files[0];
    if (!f || !current) return;
    const form = new FormData();
    form.append('as', current);
    form.append('file', f);
    call('POST', '/sandbox/upload', form).catch(failed);
    els.file.value = '';
  });
  els.photo.addEventListener('change', () => {
    const f = els.photo.files[0];
    if (!f || !current) return;
    const form = new FormData();
    form.append('as', current);
    form.append('file', f);
    call('POST', '/sandbox/photo', form).catch(failed);
    els.photo.value = '';
  });
  // A story's sample photo is sent as the step's official.
  document.querySelectorAll('.step-photo').forEach((b) => b.addEventListener('click', () => {
    choose(b.dataset.as);
    const form = new FormData();
    form.append('as', b.dataset.as);
    form.append('sample', '1');
    call('POST', '/sandbox/photo', form).catch(failed);
  }));
  document.querySelectorAll('.step-as').forEach((a) => a.addEventListener('click', (e) => {
    e.preventDefault();
    choose(a.dataset.as);
  }));
  document.querySelectorAll('code.cmd').forEach((c) => c.addEventListener('click', () => {
    if (c.dataset.as) choose(c.dataset.as);
    els.input.value = c.dataset.cmd;
    els.input.focus();
  }));
  window.addEventListener('hashchange', () => {
    const id = decodeURIComponent(location.hash.slice(1));
    if (id && id !== current) choose(id);
  });

  async function loop() {
    for (;;) {
      try {
        const w = await call('GET', '/sandbox/wait?after=' + version);
        els.offline.hidden = true;
        if (w.version !== version) await refresh();
      } catch (err) {
        els.offline.textContent = S.offline;
        els.offline.hidden = false;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  refresh().catch(failed).finally(loop);
})();
