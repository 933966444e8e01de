// The console's only script (served from the package, no build step): the board refreshes itself, and the
// plan editor keeps a draft of overrides across the plan's pages, shows their impact per stage while the
// planner types, and asks for a reason for every line it lowers before the preview is requested. Pages work
// without it, except that edits then need the preview form of the page they are on.
/* global document, fetch, setTimeout, sessionStorage, CSS */
'use strict';

(function () {
  const page = document.body.dataset.page;

  // ---- the board: counts and rows replaced every few seconds, where the user is left alone ----
  if (page === 'board') {
    const board = document.getElementById('board');
    const status = document.getElementById('board-updated');
    const refresh = async () => {
      let again = true;
      try {
        const response = await fetch(board.dataset.refresh, { headers: { accept: 'text/html' }, credentials: 'same-origin' });
        if (response.status === 401) {
          again = false;
          status.textContent = 'Your session has ended: reload the page to sign in again.';
        } else if (response.ok) {
          const text = await response.text();
          // Not while someone is on a link inside it: replacing would lose their focus.
          if (!board.contains(document.activeElement) && board.innerHTML !== text) board.innerHTML = text;
          status.textContent = 'Updated ' + new Date().toLocaleTimeString();
        }
      } catch {
        status.textContent = 'Not updated: the console cannot be reached.';
      } finally {
        if (again) setTimeout(refresh, 5000);
      }
    };
    setTimeout(refresh, 5000);
  }

  // ---- the plan editor ----
  const plan = document.getElementById('plan');
  if (!plan) return;
  const key = 'draft:' + plan.dataset.incident + ':' + plan.dataset.revision;
  const load = () => { try { return JSON.parse(sessionStorage.getItem(key) || '{}'); } catch { return {}; } };
  const save = (draft) => sessionStorage.setItem(key, JSON.stringify(draft));
  let draft = load();

  document.querySelectorAll('form[data-clear-draft]').forEach((form) => form.addEventListener('submit', () => sessionStorage.removeItem(form.dataset.clearDraft)));

  const rows = Array.from(plan.querySelectorAll('tr[data-line]'));
  const summary = document.getElementById('draft-summary');
  const previewForm = document.getElementById('preview-form');

  const lowers = (entry) => entry.allocate < entry.was;
  const render = () => {
    // Rows on this page show their draft values.
    for (const row of rows) {
      const entry = draft[row.dataset.line];
      const input = row.querySelector('input.allocate');
      const reason = row.querySelector('input.reason');
      if (!input) continue;
      if (entry && document.activeElement !== input) input.value = String(entry.allocate);
      if (entry && document.activeElement !== reason) reason.value = entry.reason || '';
      row.querySelector('td.edit').classList.toggle('changed', !!entry);
      const missing = !!entry && lowers(entry) && !(entry.reason || '').trim();
      reason.classList.toggle('missing-reason', missing);
      reason.setAttribute('aria-invalid', missing ? 'true' : 'false');
      reason.required = !!entry && lowers(entry);
    }
    // The impact bar per stage: served units with the edits, of what the stage asked for.
    const delta = {};
    let total = 0;
    for (const entry of Object.values(draft)) {
      delta[entry.stage] = (delta[entry.stage] || 0) + entry.allocate - entry.was;
      total += entry.allocate - entry.was;
    }
    plan.querySelectorAll('table.stages tr[data-stage]').forEach((tr) => {
      const d = delta[tr.dataset.stage] || 0;
      const requested = Number(tr.dataset.requested);
      const served = Math.min(requested, Math.max(0, Number(tr.dataset.served) + d));
      const rate = requested === 0 ? 1 : served / requested;
      const bar = tr.querySelector('rect[data-edit]');
      const label = tr.querySelector('[data-edited-fill]');
      if (bar) bar.setAttribute('width', d === 0 ? '0' : String(Math.round(rate * 100)));
      if (label) label.textContent = d === 0 ? '' : '→ ' + (rate * 100).toFixed(1) + '% (' + (d > 0 ? '+' : '') + d + ' units)';
    });
    const edited = Object.keys(draft).length;
    const left = Number(plan.dataset.poolLeft) - total;
    if (summary) {
      summary.textContent = edited === 0 ? 'No edits yet.' :
        edited + ' line' + (edited === 1 ? '' : 's') + ' edited (on every page); ' +
        (left >= 0 ? left + ' units of the pool left after the edits.' : 'the edits ask for ' + (-left) + ' units more than the pool has left: lower other lines or the preview will refuse them.');
    }
    const discard = document.getElementById('draft-clear');
    if (discard) discard.disabled = edited === 0;
    if (previewForm) previewForm.querySelector('button[type=submit]').disabled = edited === 0;
  };

  for (const row of rows) {
    const input = row.querySelector('input.allocate');
    const reason = row.querySelector('input.reason');
    if (!input) continue;
    const update = () => {
      const allocate = Number(input.value);
      const was = Number(row.dataset.allocated);
      if (input.value === '' || !Number.isInteger(allocate) || allocate < 0 || allocate === was) delete draft[row.dataset.line];
      else draft[row.dataset.line] = { allocate, was, reason: reason.value, stage: row.dataset.stage };
      save(draft);
      render();
    };
    input.addEventListener('input', update);
    reason.addEventListener('input', update);
  }

  if (previewForm) {
    previewForm.addEventListener('submit', (event) => {
      const missing = Object.entries(draft).filter(([, e]) => lowers(e) && !(e.reason || '').trim());
      if (missing.length > 0) {
        event.preventDefault();
        summary.textContent = 'A reason is needed for each line you lower: ' + missing.map(([id]) => id).join(', ') + '.';
        const first = plan.querySelector('tr[data-line="' + CSS.escape(missing[0][0]) + '"] input.reason');
        if (first) first.focus();
        return;
      }
      previewForm.querySelector('input[name=overrides]').value = JSON.stringify(
        Object.entries(draft).map(([lineId, e]) => (e.reason ? { lineId, allocate: e.allocate, reason: e.reason } : { lineId, allocate: e.allocate })),
      );
    });
  }
  const discard = document.getElementById('draft-clear');
  if (discard) discard.addEventListener('click', () => { draft = {}; save(draft); rows.forEach((r) => { const i = r.querySelector('input.allocate'); if (i) { i.value = r.dataset.allocated; r.querySelector('input.reason').value = ''; } }); render(); });
  render();
})();
