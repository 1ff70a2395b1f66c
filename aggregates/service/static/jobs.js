// The planner's jobs: refreshed every second from /api/jobs; cancel and publish through the API
// with the page's CSRF token (the cookie session needs it on every change).
(function () {
  const table = document.getElementById('live-jobs');
  const words = JSON.parse(table.dataset.words), stages = JSON.parse(table.dataset.stages || '{}');
  const prefix = s => Object.keys(stages).find(k => s.startsWith(k + ':'));  // "routing trucks: 2 of 5 parts"
  const stageText = s => stages[s] || (s.startsWith('solving') ? stages.solving || s
                                       : prefix(s) ? stages[prefix(s)] + s.slice(prefix(s).length) : s);
  const lang = table.dataset.lang, me = table.dataset.me;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const seconds = s => s == null ? '' : (s < 90 ? Math.round(s) + ' s' : Math.round(s / 60) + ' min');
  function act(label, method, url) {
    const b = document.createElement('button');
    b.textContent = label;
    b.onclick = () => fetch(url, {method: method, headers: {'X-CSRF-Token': csrf}}).then(refresh);
    return b;
  }
  function row(job) {
    const tr = document.createElement('tr');
    tr.dataset.id = job.id; tr.dataset.status = job.status;
    const p = job.progress;
    const named = job.result && job.result.scenario ? job.kind + ' · ' + job.result.scenario : job.kind;
    const cells = [job.id.slice(0, 8), named, (words[job.status] || job.status) + (job.error ? ' — ' + job.error : ''), '',
                   p.gap == null ? '' : (100 * p.gap).toFixed(2) + ' %', seconds(p.elapsed_s), seconds(p.estimate_left_s), ''];
    cells.forEach(text => { const td = document.createElement('td'); td.textContent = text; tr.appendChild(td); });
    const bar = document.createElement('span'); bar.className = 'bar';
    const fill = document.createElement('span'); fill.style.width = Math.round(100 * p.fraction) + '%';
    bar.appendChild(fill); bar.setAttribute('role', 'progressbar'); bar.setAttribute('aria-valuenow', Math.round(100 * p.fraction));
    const stage = document.createElement('span'); stage.className = 'stage'; stage.textContent = stageText(p.stage);
    tr.children[3].append(bar, stage);
    const acts = tr.children[7], mine = job.owner === me;
    if (mine && (job.status === 'queued' || job.status === 'running')) acts.appendChild(act(words.cancel, 'DELETE', '/api/jobs/' + job.id));
    if (job.status === 'done') {
      const a = document.createElement('a'); a.href = '/planner/jobs/' + job.id + '?lang=' + lang; a.textContent = words.result;
      a.className = 'result'; acts.append(a, ' ');
      if (mine && (job.kind === 'optimize' || job.kind === 'dispatch') && !job.published) acts.appendChild(act(words.publish, 'POST', '/api/jobs/' + job.id + '/publish'));
      if (job.published) acts.append(words.published);
    } else if (job.status === 'failed' && job.kind === 'dispatch') {
      const a = document.createElement('a'); a.href = '/days/' + job.id + '?lang=' + lang; a.textContent = words.result;
      a.className = 'result'; acts.append(a);
    }
    return tr;
  }
  async function refresh() {
    const r = await fetch('/api/jobs');
    if (!r.ok) return;
    const list = await r.json();
    if (list.length) table.tBodies[0].replaceChildren(...list.map(row));
  }
  refresh(); setInterval(refresh, 1000);
})();
