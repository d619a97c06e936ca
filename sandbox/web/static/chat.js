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
    groups: $('groups'), chatTitle: $('chat-title'), groupAsBox: $('group-as-box'), groupAs: $('group-as'),
    handset: $('handset'),
  };

  let people = [];
  let current = decodeURIComponent(location.hash.slice(1)) || localStorage.getItem('sandbox-as') || '';
  let version = 0;
  let seen = null;          // bot messages seen per official, for unread badges
  let shown = {};           // message id -> rendered text of the current chat, to flash edits
  let shownFor = '';
  let pinned = true;        // the chat is scrolled to its end: a photo loading later keeps it there
  let groups = null;        // the work groups with their members
  let seenGroups = null;    // bot messages seen per group, for unread badges
  let group = '';           // the work group shown instead of a private chat
  let speaker = '';         // the member who speaks and presses in the group
  let phoneVersion = 0;     // change counter of the phone panel

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
      b.className = 'person' + (p.id === current && !group ? ' active' : '');
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
      if ((p.id !== current || group) && unread > 0) {
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
    group = '';
    current = id;
    localStorage.setItem('sandbox-as', id);
    if (location.hash.slice(1) !== id) history.replaceState(null, '', '#' + encodeURIComponent(id));
    refresh().catch(failed);
    els.input.focus();
  }

  // --- work groups ---
  function renderGroups() {
    const frag = document.createDocumentFragment();
    for (const g of groups || []) {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'person group' + (g.id === group ? ' active' : '');
      b.dataset.group = g.id;
      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = g.name;
      const meta = document.createElement('span');
      meta.className = 'meta';
      meta.textContent = fill(S.members, { count: g.members.length });
      const unread = g.messages - (seenGroups[g.id] || 0);
      if (g.id !== group && unread > 0) {
        const side = document.createElement('span');
        side.className = 'side';
        const u = document.createElement('span');
        u.className = 'unread';
        u.textContent = unread;
        side.appendChild(u);
        b.append(name, side, meta);
      } else {
        b.append(name, meta);
      }
      b.addEventListener('click', () => chooseGroup(g.id, speaker || current));
      li.appendChild(b);
      frag.appendChild(li);
    }
    els.groups.replaceChildren(frag);
  }

  // chooseGroup shows the work group's chat, with as speaking there when
  // they are a member, else the member picked before, else the first.
  function chooseGroup(id, as) {
    const g = (groups || []).find((x) => x.id === id);
    if (!g) return;
    group = id;
    const ids = g.members.map((m) => m.id);
    speaker = ids.includes(as) ? as : (ids.includes(speaker) ? speaker : (ids[0] || ''));
    const opts = document.createDocumentFragment();
    for (const m of g.members) {
      const o = document.createElement('option');
      o.value = m.id;
      o.textContent = m.name + ' · ' + m.unit;
      opts.appendChild(o);
    }
    els.groupAs.replaceChildren(opts);
    els.groupAs.value = speaker;
    if (location.hash.slice(1) !== 'group:' + id) history.replaceState(null, '', '#group:' + encodeURIComponent(id));
    refresh().catch(failed);
    els.input.focus();
  }

  function renderGroupChat(chat) {
    const g = groups.find((x) => x.id === group);
    els.chatTitle.textContent = g.name;
    els.chatAs.textContent = fill(S.members, { count: g.members.length });
    els.groupAsBox.hidden = false;
    els.composer.classList.add('in-group');
    els.input.disabled = els.send.disabled = !speaker;
    els.keyboard.replaceChildren();
    const key = 'group:' + group;
    const switched = shownFor !== key;
    const frag = document.createDocumentFragment();
    const next = {};
    if (chat.messages.length === 0) {
      const e = document.createElement('div');
      e.className = 'empty';
      e.textContent = S.groupEmpty;
      frag.appendChild(e);
    }
    for (const m of chat.messages) {
      const el = renderMessage(m);
      if (m.by) {
        const by = document.createElement('div');
        by.className = 'by';
        by.textContent = m.by;
        el.prepend(by);
      }
      const k = (m.text || '') + '|' + (m.edited || '') + '|' + JSON.stringify(m.buttons || []);
      next[m.id] = k;
      if (!switched && m.id in shown && shown[m.id] !== k) el.classList.add('just-edited');
      frag.appendChild(el);
    }
    shown = next;
    shownFor = key;
    els.messages.replaceChildren(frag);
    els.messages.scrollTop = els.messages.scrollHeight;
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
    els.chatTitle.textContent = 'dutybot';
    els.groupAsBox.hidden = true;
    els.composer.classList.remove('in-group');
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
    const [gl, ppl, chat] = await Promise.all([
      call('GET', '/sandbox/groups'),
      call('GET', '/sandbox/people?lang=' + encodeURIComponent(lang)),
      group ? call('GET', '/sandbox/group?group=' + encodeURIComponent(group)).catch(() => null)
        : current ? call('GET', '/sandbox/chat?as=' + encodeURIComponent(current)).catch(() => null) : null,
    ]);
    groups = gl.groups;
    if (seenGroups === null) {
      seenGroups = {};
      for (const g of groups) seenGroups[g.id] = g.messages;
    }
    if (group && !groups.some((g) => g.id === group)) group = '';
    const here = groups.find((g) => g.id === group);
    if (here) seenGroups[here.id] = here.messages;
    people = ppl.people;
    if (seen === null) {
      seen = {};
      for (const p of people) seen[p.id] = p.messages;
    }
    if (current && !people.some((p) => p.id === current)) current = '';
    const me = people.find((p) => p.id === current);
    if (me) seen[me.id] = me.messages;
    renderPeople();
    renderGroups();
    if (group) renderGroupChat(chat || { messages: [] });
    else renderChat(chat || { messages: [], keyboard: [] });
    refreshPhone().catch(() => {});
    version = Math.min(ppl.version, chat ? chat.version : ppl.version);
  }

  // --- the phone panel: calls and texts to the official played ---
  async function refreshPhone() {
    const as = current;
    if (group || !as) {
      els.handset.hidden = true;
      els.handset.replaceChildren();
      return;
    }
    const lang = document.documentElement.lang;
    const ph = await call('GET', '/sandbox/phone?as=' + encodeURIComponent(as) + '&lang=' + encodeURIComponent(lang));
    if (as === current && !group) renderPhone(ph);
  }

  function renderPhone(ph) {
    const frag = document.createDocumentFragment();
    const title = document.createElement('div');
    title.className = 'title';
    title.textContent = ph.title;
    frag.appendChild(title);
    for (const it of ph.items) {
      const box = document.createElement('div');
      box.className = 'call-item ' + it.kind + ' ' + it.state;
      box.dataset.id = it.id;
      const head = document.createElement('div');
      head.className = 'head';
      const h = document.createElement('span');
      h.textContent = it.head;
      const time = document.createElement('span');
      time.className = 'time';
      time.textContent = it.time;
      head.append(h, time);
      const text = document.createElement('div');
      text.className = 'words';
      text.textContent = it.text;
      const status = document.createElement('div');
      status.className = 'status';
      status.textContent = it.status;
      box.append(head, text, status);
      if (it.buttons && it.buttons.length) {
        const row = document.createElement('div');
        row.className = 'actions';
        for (const b of it.buttons) {
          const el = document.createElement('button');
          el.type = 'button';
          el.dataset.action = b.action;
          el.textContent = b.text;
          el.addEventListener('click', () => actOnPhone(it.id, b.action, row));
          row.appendChild(el);
        }
        box.appendChild(row);
      }
      frag.appendChild(box);
    }
    els.handset.replaceChildren(frag);
    els.handset.hidden = ph.items.length === 0;
  }

  async function actOnPhone(id, action, row) {
    row.querySelectorAll('button').forEach((b) => { b.disabled = true; });
    try {
      const it = await call('POST', '/sandbox/phone', { as: current, id: id, action: action });
      toast(it.status);
    } catch (err) {
      failed(err);
    }
    await refreshPhone().catch(failed);
  }

  async function phoneLoop() {
    for (;;) {
      try {
        const w = await call('GET', '/sandbox/phone/wait?after=' + phoneVersion);
        if (w.version !== phoneVersion) {
          phoneVersion = w.version;
          await refreshPhone();
        }
      } catch (err) {
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  async function sendText(text) {
    if (group) {
      await call('POST', '/sandbox/group/send', { group: group, as: speaker, text: text }).catch(failed);
      return;
    }
    if (!current) { toast(S.pick); return; }
    await call('POST', '/sandbox/send', { as: current, text: text }).catch(failed);
  }

  async function press(message, data, el) {
    el.disabled = true;
    try {
      const t = group
        ? await call('POST', '/sandbox/group/press', { group: group, as: speaker, message: message, data: data })
        : await call('POST', '/sandbox/press', { as: current, message: message, data: data });
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
    if (a.dataset.group) chooseGroup(a.dataset.group, a.dataset.as);
    else choose(a.dataset.as);
  }));
  document.querySelectorAll('code.cmd').forEach((c) => c.addEventListener('click', () => {
    if (c.dataset.group) chooseGroup(c.dataset.group, c.dataset.as);
    else if (c.dataset.as) choose(c.dataset.as);
    els.input.value = c.dataset.cmd;
    els.input.focus();
  }));
  els.groupAs.addEventListener('change', () => { speaker = els.groupAs.value; });
  window.addEventListener('hashchange', () => {
    const id = decodeURIComponent(location.hash.slice(1));
    if (id.startsWith('group:')) { if (id.slice(6) !== group) chooseGroup(id.slice(6), speaker); }
    else if (id && (id !== current || group)) choose(id);
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

  const opening = current.startsWith('group:') ? current.slice(6) : '';
  if (opening) current = localStorage.getItem('sandbox-as') || '';
  refresh().then(() => { if (opening) chooseGroup(opening, current); }).catch(failed).finally(loop);
  phoneLoop();
})();
