import { createHash } from 'node:crypto';

/** The dashboard's only stylesheet, inlined in every page; the CSP allows it by hash. */
export const CSS = `
:root{--fg:#0f172a;--muted:#475569;--line:#e2e8f0;--bg:#f1f5f9;--card:#fff;--accent:#1d4ed8;--danger:#b91c1c;--danger-bg:#fef2f2;--warn:#92400e;--warn-bg:#fffbeb;--ok:#166534;--ok-bg:#f0fdf4;--info-bg:#eff6ff;--new:#1d4ed8;--base:#64748b;--limit:#dc2626}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent);text-decoration-thickness:1px;text-underline-offset:2px}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible,summary:focus-visible{outline:3px solid #93c5fd;outline-offset:2px}
.top{background:#0f172a;color:#e2e8f0}
.top-inner{max-width:1180px;margin:0 auto;padding:.6rem 1rem;display:flex;flex-wrap:wrap;align-items:center;gap:.4rem 1.4rem}
.brand{font-weight:700;color:#fff;text-decoration:none;letter-spacing:.01em;font-size:1.05rem}
.nav{display:flex;gap:1rem;flex-wrap:wrap}
.nav a{color:#cbd5e1;text-decoration:none;padding:.15rem 0;border-bottom:2px solid transparent}
.nav a[aria-current=page]{color:#fff;border-bottom-color:#60a5fa}
.nav a:hover{color:#fff}
.who{margin-left:auto;display:flex;align-items:center;gap:.6rem;font-size:.88rem;color:#cbd5e1}
.who form{margin:0}
.link-button{background:none;border:1px solid #475569;color:#e2e8f0;border-radius:6px;padding:.2rem .6rem;font:inherit;cursor:pointer}
main{max-width:1180px;margin:0 auto;padding:1.2rem 1rem 3rem}
h1{font-size:1.45rem;margin:.2rem 0 .8rem;line-height:1.25;overflow-wrap:anywhere}
h2{font-size:1.1rem;margin:0 0 .7rem}
h3{font-size:.98rem;margin:.2rem 0 .4rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:1rem 1.1rem;margin:0 0 1rem;min-width:0}
.muted{color:var(--muted)}
.small{font-size:.86rem}
.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.86em}
h2.mono{font-size:1.1rem}
.nowrap{white-space:nowrap}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:.8rem;text-transform:uppercase;letter-spacing:.03em;white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tbody tr:hover{background:#f8fafc}
.badge{display:inline-block;padding:.08rem .55rem;border-radius:999px;font-size:.78rem;font-weight:600;white-space:nowrap;border:1px solid transparent}
.badge-pending,.badge-aborted,.badge-neutral,.badge-DISABLED{background:#f1f5f9;color:#334155;border-color:#cbd5e1}
.badge-progressing,.badge-info{background:#dbeafe;color:#1e3a8a}
.badge-promoted{background:#ccfbf1;color:#134e4a}
.badge-paused,.badge-warning,.badge-inconclusive{background:#fef3c7;color:#78350f}
.badge-rolling_back,.badge-rolled_back,.badge-danger,.badge-fail{background:#fee2e2;color:#7f1d1d}
.badge-succeeded,.badge-success,.badge-pass,.badge-ENABLED{background:#dcfce7;color:#14532d}
.grid{display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(300px,1fr))}
.grid>.card{margin:0}
.two{display:grid;gap:1rem;grid-template-columns:minmax(0,3fr) minmax(0,2fr);align-items:start}
@media (max-width:860px){.two{grid-template-columns:minmax(0,1fr)}}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:0}
.facts dt{color:var(--muted);font-size:.88rem}
.facts dd{margin:0;overflow-wrap:anywhere}
.facts ul{margin:0;padding-left:1.1rem}
.headline{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;margin-bottom:.6rem}
.headline h1{margin:0}
.explain{border-left:4px solid var(--accent);background:var(--info-bg);padding:.6rem .8rem;border-radius:0 8px 8px 0;margin:.2rem 0 1rem;overflow-wrap:anywhere}
.explain.danger{border-color:var(--danger);background:var(--danger-bg)}
.explain.warning{border-color:#d97706;background:var(--warn-bg)}
.explain.success{border-color:#16a34a;background:var(--ok-bg)}
.notice{padding:.6rem .8rem;border-radius:8px;margin:0 0 1rem;border:1px solid}
.notice.error{background:var(--danger-bg);border-color:#fecaca;color:#7f1d1d}
.notice.info{background:var(--info-bg);border-color:#bfdbfe}
.notice.warning{background:var(--warn-bg);border-color:#fcd34d}
.notice h2{font-size:1rem;margin:0 0 .3rem}
.notice p{margin:.3rem 0}
.warn-text{color:var(--warn)}
.weight{display:flex;align-items:center;gap:.6rem}
.weight svg{width:180px;max-width:55vw;height:12px}
.bar-track{fill:#e2e8f0}.bar-fill{fill:var(--new)}
label{font-weight:600;font-size:.9rem;display:block;margin-bottom:.25rem}
input[type=text],input[type=password],input[type=date],select,textarea{font:inherit;padding:.42rem .55rem;border:1px solid #94a3b8;border-radius:6px;background:#fff;color:var(--fg);max-width:100%}
input[type=text],input[type=password],input[type=date],select{height:2.5rem}
textarea{width:100%;min-height:3.2rem;resize:vertical}
.filters{display:flex;flex-wrap:wrap;gap:.8rem;align-items:flex-end}
.filters>div{min-width:0}
.filters button{height:2.5rem}
button,.button{font:inherit;font-weight:600;padding:.42rem .9rem;border-radius:6px;border:1px solid #1e40af;background:var(--accent);color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary,.button.secondary{background:#fff;color:var(--fg);border-color:#94a3b8}
button.danger{background:var(--danger);border-color:#7f1d1d}
button.caution{background:#b45309;border-color:#78350f}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin-top:.6rem}
.pager{display:flex;gap:.6rem;margin-top:.8rem;align-items:center}
.steps{list-style:none;margin:0;padding:0}
.steps li{display:flex;gap:.6rem;align-items:baseline;padding:.3rem 0;border-bottom:1px dashed var(--line)}
.steps li:last-child{border-bottom:0}
.steps .n{font-variant-numeric:tabular-nums;color:var(--muted);min-width:1.6rem}
.steps .what{flex:1;min-width:0;overflow-wrap:anywhere}
.timeline{list-style:none;margin:0;padding:0}
.timeline>li{display:grid;grid-template-columns:6.2rem minmax(0,1fr);gap:.2rem .8rem;padding:.55rem .6rem;border-left:3px solid var(--line);margin-bottom:.25rem}
.timeline>li.danger{border-left-color:var(--danger);background:var(--danger-bg)}
.timeline>li.warning{border-left-color:#d97706;background:var(--warn-bg)}
.timeline>li.success{border-left-color:#16a34a;background:var(--ok-bg)}
.timeline>li.muted{color:var(--muted);font-size:.9rem}
.timeline time{font-variant-numeric:tabular-nums;color:var(--muted);font-size:.86rem}
.timeline .what{overflow-wrap:anywhere}
.timeline .tag{font-weight:600;margin-right:.4rem}
.checks{margin:.4rem 0 0;font-size:.86rem}
.checks td,.checks th{padding:.25rem .4rem}
details>summary{cursor:pointer;color:var(--accent);font-size:.88rem}
.charts{display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(min(100%,480px),1fr))}
figure{margin:0}
figcaption{font-size:.86rem;color:var(--muted);margin-top:.3rem}
.chart-frame{overflow-x:auto}
.chart{width:100%;min-width:480px;height:auto;display:block}
.chart text{font-size:11px;fill:#334155;font-family:system-ui,sans-serif}
.axis{stroke:#94a3b8;stroke-width:1}
.grid-line{stroke:#e2e8f0;stroke-width:1}
.series{fill:none;stroke-width:2;stroke-linejoin:round}
.series-canary,.series-statistic{stroke:var(--new)}
.series-baseline{stroke:var(--base);stroke-dasharray:5 3}
.series-limit{stroke:var(--limit);stroke-width:1.5;stroke-dasharray:2 3}
.dot-canary,.dot-statistic{fill:var(--new)}
.dot-baseline{fill:var(--base)}
.threshold{stroke:var(--limit);stroke-width:1.5;stroke-dasharray:7 4}
.threshold-soft{stroke:#d97706;stroke-width:1.2;stroke-dasharray:3 3}
.chart text.threshold-label,.chart text.threshold-soft-label,.chart text.marker-label{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
.chart text.threshold-label{fill:#b91c1c;font-weight:600}
.chart text.threshold-soft-label{fill:#92400e}
.marker{stroke:#94a3b8;stroke-width:1;stroke-dasharray:3 3}
.marker-rollback,.marker-abort{stroke:#b91c1c;stroke-width:1.5;stroke-dasharray:none}
.marker-drift,.marker-pause{stroke:#d97706;stroke-width:1.5}
.chart text.marker-label{fill:#475569;font-size:10px}
.chart text.marker-label-rollback,.chart text.marker-label-abort{fill:#b91c1c;font-weight:600}
.legend{display:flex;flex-wrap:wrap;gap:.3rem 1rem;font-size:.82rem;color:var(--muted);margin:.3rem 0 0;padding:0;list-style:none}
.legend svg{display:inline-block;width:26px;height:10px;vertical-align:middle;margin-right:.3rem}
.kpi{font-size:1.7rem;font-weight:700;font-variant-numeric:tabular-nums;margin:.1rem 0}
.login{max-width:460px;margin:3rem auto}
.login input[type=password]{width:100%}
pre{background:#f8fafc;border:1px solid var(--line);border-radius:6px;padding:.5rem .6rem;overflow-x:auto;font-size:.82rem;margin:.3rem 0}
.ramps{display:grid;gap:.35rem}
.ramp{display:grid;grid-template-columns:minmax(5rem,8rem) minmax(8rem,1fr) auto;gap:.6rem;align-items:center;font-size:.9rem}
.ramp .weight svg{width:100%;max-width:none}
.rule{display:block;white-space:pre-wrap;word-break:break-word;font-size:.82rem;background:#f8fafc;border:1px solid var(--line);border-radius:6px;padding:.35rem .5rem}
.ramp svg{width:100%;height:10px}
.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);border:0}
@media (max-width:700px){
main{padding:.8rem .6rem 2rem}
.card{padding:.8rem}
.timeline>li{grid-template-columns:minmax(0,1fr)}
table.stack thead{display:none}
table.stack tr{display:block;padding:.5rem 0;border-bottom:1px solid var(--line)}
table.stack td{display:block;border:0;padding:.12rem 0}
table.stack td[data-label]::before{content:attr(data-label) ": ";color:var(--muted);font-size:.8rem}
.who{margin-left:0}
}
`;

export const CSS_HASH = `sha256-${createHash('sha256').update(CSS).digest('base64')}`;
