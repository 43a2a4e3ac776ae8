import type { Child } from 'hono/jsx';

const CSS = `
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--accent:#0550ae;--bg:#fff;--soft:#f6f8fa}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0}
header{border-bottom:1px solid var(--line);background:var(--soft);padding:.5rem 1.25rem;display:flex;gap:1.5rem;align-items:center}
header a{color:var(--fg);text-decoration:none;font-weight:600}
header nav a{font-weight:400;margin-right:1rem;color:var(--accent)}
main{padding:1rem 1.25rem;max-width:1400px}
h1{font-size:1.4rem;margin:.3rem 0 1rem}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
a{color:var(--accent)}
table{border-collapse:collapse;margin:.5rem 0;font-variant-numeric:tabular-nums;font-size:13px}
#leaderboard td,#pooled td{white-space:nowrap}
small{font-size:.75rem}
th,td{border-bottom:1px solid var(--line);padding:.3rem .55rem;text-align:left;vertical-align:middle}
th{background:var(--soft);font-weight:600;white-space:nowrap}
td.num,th.num{text-align:right}
caption{text-align:left;color:var(--muted);padding:.25rem 0;caption-side:top}
form.filters{display:flex;flex-wrap:wrap;gap:.6rem 1rem;align-items:end;background:var(--soft);padding:.75rem;border:1px solid var(--line);border-radius:6px}
form.filters label{display:flex;flex-direction:column;font-size:.8rem;color:var(--muted)}
input,select,button{font:inherit;padding:.2rem .35rem}
button{cursor:pointer}
.badge{display:inline-block;padding:0 .45rem;border-radius:1rem;font-size:.75rem;border:1px solid var(--line);background:var(--soft);white-space:nowrap}
.badge.reproduced,.badge.completed{background:#dafbe1;border-color:#4ac26b}
.badge.not-reproduced,.badge.failed{background:#ffebe9;border-color:#ff8182}
.badge.running{background:#fff8c5;border-color:#d4a72c}
.badge.baseline{background:#eaeef2}
.star{color:#9a6700;font-weight:700}
.sig-worse{color:#cf222e;font-weight:700}.badge.below-majority{background:#ffebe9;border-color:#cf222e;color:#82071e}.badge.partial{background:#fff8c5;border-color:#d4a72c}
.muted{color:var(--muted)}
code,.hash{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85em}
dl.kv{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}dl.kv dt{color:var(--muted)}dl.kv dd{margin:0}
.charts{display:flex;flex-wrap:wrap;gap:1.5rem}
figure{margin:0}figcaption{color:var(--muted);font-size:.85rem}
.scroll{overflow-x:auto;max-width:100%}
#leaderboard .entry{position:sticky;left:0;z-index:1;background:var(--bg);box-shadow:1px 0 0 var(--line)}
#leaderboard thead .entry{background:var(--soft)}
nav.tabs{display:flex;flex-wrap:wrap;gap:.25rem;margin:0 0 .6rem;border-bottom:1px solid var(--line)}
nav.tabs a{padding:.3rem .75rem;border:1px solid transparent;border-bottom:none;border-radius:6px 6px 0 0;text-decoration:none}
nav.tabs a[aria-current=page]{border-color:var(--line);background:var(--bg);color:var(--fg);font-weight:600;margin-bottom:-1px}
progress{width:240px}
.pager{margin:.75rem 0}
`;

export function Layout(props: { title: string; children?: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · OpenSOC`}</title>
        {/* A constant stylesheet, never user data. */}
        <style dangerouslySetInnerHTML={{ __html: CSS }} />
      </head>
      <body>
        <header>
          <a href="/">OpenSOC</a>
          <nav aria-label="Main">
            <a href="/leaderboard">Leaderboard</a>
            <a href="/sweeps">Sweeps</a>
            <a href="/datasets">Datasets</a>
            <a href="/compare">Compare</a>
            <a href="/openapi.json">API</a>
          </nav>
        </header>
        <main>{props.children}</main>
      </body>
    </html>
  );
}

export function ErrorPage(props: { status: number; detail: string; errors?: { name: string; reason: string }[] }) {
  return (
    <Layout title={`Error ${props.status}`}>
      <h1>{`Error ${props.status}`}</h1>
      <p>{props.detail}</p>
      {props.errors && props.errors.length > 0 ? (
        <ul>{props.errors.map((e) => <li><code>{e.name}</code>: {e.reason}</li>)}</ul>
      ) : null}
      <p><a href="/">Back to the start page</a></p>
    </Layout>
  );
}
