// TinyFleet dashboard: shared helpers. Every page sets document.body.dataset.rendered after its
// charts have drawn, and window errors are collected in document.body.dataset.errors (tests read both).
'use strict';
window.tf = (function () {
  const errors = [];
  window.addEventListener('error', e => { errors.push(String(e.message)); document.body.dataset.errors = errors.join(' | '); });
  window.addEventListener('unhandledrejection', e => { errors.push(String(e.reason)); document.body.dataset.errors = errors.join(' | '); });

  async function json(url, opts) {
    const r = await fetch(url, Object.assign({ headers: { 'Accept': 'application/json' } }, opts || {}));
    const body = await r.json().catch(() => null);
    if (!r.ok) { throw new Error(url + ': ' + (body && body.message ? body.message : r.status)); }
    return body;
  }
  function param(name) { return new URLSearchParams(location.search).get(name); }
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => { if (k === 'class') e.className = v; else e.setAttribute(k, v); });
    kids.forEach(k => e.append(k instanceof Node ? k : document.createTextNode(k == null ? '' : String(k))));
    return e;
  }
  function hhmmss(ms) { const d = new Date(ms); return d.toTimeString().slice(0, 8); }
  function bytes(n) { if (n == null) return '?'; const u = ['B', 'KiB', 'MiB', 'GiB']; let i = 0; while (n >= 1024 && i < 3) { n /= 1024; i++; } return n.toFixed(i ? 1 : 0) + ' ' + u[i]; }
  Chart.defaults.animation = false;
  function lineChart(canvas, label, color, points, yOpts, small) {
    return new Chart(canvas, {
      type: 'line',
      data: { datasets: [{ label, data: points, borderColor: color, backgroundColor: color + '33', fill: true, pointRadius: small ? 0 : 1, borderWidth: small ? 1.5 : 2, spanGaps: false }] },
      options: {
        responsive: !small, maintainAspectRatio: false, parsing: false,
        plugins: { legend: { display: !small }, tooltip: { enabled: !small } },
        scales: {
          x: { type: 'linear', display: !small, ticks: { callback: v => hhmmss(v), maxTicksLimit: 6 } },
          y: Object.assign({ display: !small, beginAtZero: true }, yOpts || {})
        }
      }
    });
  }
  function push(chart, pts, max) {
    const d = chart.data.datasets[0].data;
    pts.forEach(p => d.push(p));
    while (d.length > (max || 900)) d.shift();
    chart.update('none');
  }
  // Live feed (Server-Sent Events); ?live=0 turns it off (headless screenshots).
  function live(handlers) {
    if (param('live') === '0' || !window.EventSource) return null;
    const es = new EventSource('/api/live');
    Object.entries(handlers).forEach(([name, fn]) => es.addEventListener(name, ev => fn(JSON.parse(ev.data))));
    return es;
  }
  // Marks the page drawn and records where each chart is (tests compare it with a screenshot).
  function rendered(n) {
    const rects = [...document.querySelectorAll('canvas')].map(c => { const r = c.getBoundingClientRect();
      return [c.id, Math.round(r.left), Math.round(r.top), Math.round(r.width), Math.round(r.height)].join(':'); });
    document.body.dataset.charts = rects.join(';');
    document.body.dataset.rendered = String(n);
  }
  return { json, param, el, hhmmss, bytes, lineChart, push, live, rendered, errors };
})();
