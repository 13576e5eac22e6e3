import { describe, expect, it } from 'vitest';
import { compactHtml } from '../../src/render/compact-html.js';

describe('compactHtml', () => {
  it('drops the indentation and blank lines, keeps each line break (inline elements keep their space)', () => {
    const html = '<div>\n    <a href="x">A</a>\n    \n\n    <a href="y">B</a>   \n  </div>\n';
    expect(compactHtml(html)).toBe('<div>\n<a href="x">A</a>\n<a href="y">B</a>\n</div>\n');
  });

  it('keeps MSO conditional comments and <pre> and <textarea> exactly as they are', () => {
    const mso = '  <!--[if mso | IE]><table role="presentation"><tr><td><![endif]-->\n';
    const pre = '<pre>  two spaces\n    four\n\n</pre>';
    const area = '<TEXTAREA>\n  keep\n</textarea >';
    expect(compactHtml(`${mso}  ${pre}\n    ${area}\n  <p>x</p>`)).toBe(
      `<!--[if mso | IE]><table role="presentation"><tr><td><![endif]-->\n${pre}\n${area}\n<p>x</p>`,
    );
  });

  it('leaves a line without a line break around it alone', () => {
    expect(compactHtml('<b>a</b>  <i>b</i>')).toBe('<b>a</b>  <i>b</i>');
  });
});
