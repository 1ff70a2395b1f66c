// The coverage form: place names suggested as one types (the region's gazetteer, Chinese or pinyin),
// and a click on the plan's map writes its lat/lon (WGS-84) into the form.
(function () {
  const place = document.getElementById('c-place');
  if (!place) return;
  const list = document.getElementById('c-places');
  let asked = '';
  place.addEventListener('input', async () => {
    const q = place.value.trim();
    if (!q || q === asked) return;
    asked = q;
    const r = await fetch('/project/places?plan=' + encodeURIComponent(place.dataset.plan) + '&lang=' + place.dataset.lang + '&q=' + encodeURIComponent(q));
    if (!r.ok || asked !== q) return;
    list.replaceChildren(...(await r.json()).map(m => { const o = document.createElement('option'); o.value = m.name; o.label = m.label; return o; }));
  });
  window.addEventListener('message', e => {
    if (e.origin !== location.origin || !e.data || !e.data.pick) return;
    document.getElementById('c-lat').value = e.data.pick[0].toFixed(5);
    document.getElementById('c-lon').value = e.data.pick[1].toFixed(5);
    document.getElementById('c-crs').value = 'wgs84';
    place.value = '';
  });
})();
