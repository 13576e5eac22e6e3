import { createHash } from 'node:crypto';
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

type Content = HtmlEscapedString | Promise<HtmlEscapedString>;

/** The pages' only style sheet, inline. No page has a script but the home page's (server/clock-fields.ts). */
const STYLE = `
  body { font: 16px/1.55 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
         max-width: 40rem; margin: 3rem auto; padding: 0 1.25rem; color: #1f2933; background: #f3f4f6;
         overflow-wrap: break-word; }
  main { background: #fff; border-radius: 10px; padding: 1.75rem 2rem; }
  h1 { font-size: 1.5rem; line-height: 1.25; margin: 0 0 .75rem; }
  a { color: #0b3d91; }
  button { font: inherit; font-weight: 600; padding: .6rem 1.2rem; border: 0; border-radius: 6px;
           background: #0b3d91; color: #fff; cursor: pointer; }
  table { border-collapse: collapse; width: 100%; font-size: .9rem; }
  td, th { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #e4e7eb; vertical-align: top; }
  .muted { color: #52606d; font-size: .9rem; }
  form.signup label { display: block; margin: 0 0 .8rem; font-weight: 600; } form.signup label .muted { font-weight: 400; }
  form.signup input, form.signup select { display: block; width: 100%; box-sizing: border-box; font: inherit;
    font-weight: 400; padding: .5rem .6rem; margin-top: .25rem; border: 1px solid #cbd2d9; border-radius: 6px; }
  form.signup label.check { font-weight: 400; display: flex; gap: .5rem; align-items: baseline; }
  form.signup label.check input { width: auto; display: inline; margin: 0; }
  button.secondary { background: #e4e7eb; color: #1f2933; margin-top: 1rem; }
  .error { color: #b42318; font-weight: 600; } .notice { background: #e6f4ea; padding: .6rem .8rem; border-radius: 6px; }
  p.next { font-weight: 600; }
  nav.pages { display: flex; flex-wrap: wrap; gap: .4rem 1.2rem; margin-top: 1.5rem; }
  ul.archive { list-style: none; padding: 0; } ul.archive li { padding: .55rem 0; border-top: 1px solid #e4e7eb; }
  ul.archive a { font-weight: 600; } ul.archive .muted { display: block; }
  main:has(iframe.email) { max-width: none; }
  iframe.email { display: block; border: 1px solid #cbd2d9; border-radius: 8px; height: 75vh; width: 100%; max-width: 680px; background: #fff; }
  iframe.email.mobile { width: 375px; max-width: 100%; }
  iframe.email.dark { background: #111418; }
  div.controls { display: flex; flex-wrap: wrap; gap: .6rem; } div.controls button.secondary { margin-top: 0; }
  ul.votes { list-style: none; padding: 0; } ul.votes li { border-top: 1px solid #e4e7eb; padding: .4rem 0; }
  form.inline { display: flex; gap: .8rem; align-items: center; justify-content: space-between; }
  form.inline button.secondary { margin-top: 0; flex: none; }
  nav.views { margin: 1rem 0; display: flex; flex-wrap: wrap; gap: .9rem; }
  pre { white-space: pre-wrap; overflow-wrap: anywhere; }
  iframe.digest { width: 100%; height: 70vh; border: 1px solid #e4e7eb; border-radius: 8px; background: #f3f4f6; box-sizing: border-box; }
  pre.email-text { white-space: pre; overflow-x: auto; font-size: .85rem; background: #f3f4f6; padding: 1rem; border-radius: 6px; }
  body.wide, body:has(iframe.email) { max-width: 72rem; }
  nav.admin { display: flex; flex-wrap: wrap; gap: .3rem 1.1rem; margin: 0 0 1.2rem; padding-bottom: .7rem; border-bottom: 1px solid #e4e7eb; }
  nav.admin a[aria-current] { font-weight: 700; text-decoration: none; color: inherit; }
  td.nowrap, th.nowrap { white-space: nowrap; } .num { text-align: right; font-variant-numeric: tabular-nums; }
  table.headers td:first-child { white-space: nowrap; font-weight: 600; } table.headers td { overflow-wrap: anywhere; }
  form.filters { display: flex; flex-wrap: wrap; gap: .6rem; align-items: end; margin: 0 0 1rem; }
  form.filters input, form.filters select { font: inherit; padding: .4rem .5rem; border: 1px solid #cbd2d9; border-radius: 6px; }
  form.filters button { padding: .45rem 1rem; }
  .wrap-table { overflow-x: auto; }
  figure.chart { margin: 1rem 0 1.5rem; max-width: 44rem; } figure.chart svg { width: 100%; height: auto; display: block; }
  figure.chart figcaption { font-size: .85rem; color: #52606d; }
  svg .axis { stroke: #9aa5b1; } svg .grid { stroke: #e4e7eb; stroke-dasharray: 3 3; }
  svg .label { fill: #52606d; font-size: 11px; } svg .line { fill: none; stroke-width: 2; }
  .c-sent { fill: #2f855a; stroke: #2f855a; color: #2f855a; } .c-failed { fill: #c05621; stroke: #c05621; color: #c05621; }
  .c-bounced { fill: #b42318; stroke: #b42318; color: #b42318; } .c-active { stroke: #0b3d91; color: #0b3d91; }
  .c-unsub { stroke: #7b8794; color: #7b8794; } polyline.c-sent { fill: none; }
  @media (max-width: 30rem) {
    body { margin: 1rem auto; padding: 0 .75rem; } main { padding: 1.25rem 1rem; }
    form.inline { flex-wrap: wrap; }
    /* A table wider than the phone scrolls sideways in its own box, its words whole; the page does not. */
    table { display: block; overflow-x: auto; }
  }
  @media (prefers-color-scheme: dark) {
    body { background: #111418; color: #e4e7eb; } main { background: #1b1f24; } a { color: #8ab4f8; }
    td, th, ul.votes li, ul.archive li { border-color: #323a44; } .muted { color: #9aa5b1; }
    form.signup input, form.signup select { background: #111418; color: #e4e7eb; border-color: #323a44; }
    .notice { background: #1e3a2a; } .error { color: #f97066; }
    button { background: #2f6fdb; }
    button.secondary { background: #2a313a; color: #e4e7eb; box-shadow: inset 0 0 0 1px #3e4753; }
    iframe.digest { border-color: #323a44; background: #111418; }
    iframe.email { border-color: #323a44; }
    pre.email-text { background: #111418; }
    nav.admin { border-color: #323a44; }
    form.filters input, form.filters select { background: #111418; color: #e4e7eb; border-color: #323a44; }
    svg .axis { stroke: #616e7c; } svg .grid { stroke: #323a44; } svg .label, figure.chart figcaption { fill: #9aa5b1; color: #9aa5b1; }
    .c-sent { fill: #48bb78; stroke: #48bb78; color: #48bb78; } .c-failed { fill: #ed8936; stroke: #ed8936; color: #ed8936; }
    .c-bounced { fill: #f56565; stroke: #f56565; color: #f56565; } .c-active { stroke: #8ab4f8; color: #8ab4f8; }
    .c-unsub { stroke: #9aa5b1; color: #9aa5b1; } polyline.c-sent { fill: none; }
  }
`;

/** The CSP source that lets exactly this <style> apply (and no other inline style). */
export const STYLE_SOURCE = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

/**
 * The frame of paperboy's own pages. `html` escapes every interpolated value. `feed`: a reader's own
 * page names their private feed (its URL, or a promise of it) for feed readers to find.
 */
export function page(
  title: string,
  body: Content,
  opts: { wide?: boolean; feed?: string | Promise<string | undefined> } = {},
): Content {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${title}</title>
${opts.feed === undefined ? '' : privateFeedLink(opts.feed)}<link rel="alternate" type="application/atom+xml" title="Digests" href="/feed.xml">
<style>${raw(STYLE)}</style>
</head>
<body${opts.wide ? raw(' class="wide"') : ''}><main>${body}</main></body>
</html>`;
}

async function privateFeedLink(feed: string | Promise<string | undefined>): Promise<HtmlEscapedString | string> {
  const href = await feed;
  return href
    ? html`<link rel="alternate" type="application/atom+xml" title="Your private feed" href="${href}">\n`
    : '';
}
