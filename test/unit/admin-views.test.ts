import { describe, expect, it } from 'vitest';
import { view } from '../../src/server/admin/views.js';

describe('the admin templates', () => {
  it('escape every value as the pages always have: & < > " and \' (as &#39;), = left as it is', () => {
    const hostile = `<script>alert("x")</script> & o'brien=1`;
    expect(view('message', { heading: hostile, text: null, link: null })).toBe(
      '<h1>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; o&#39;brien=1</h1>',
    );
    expect(view('message', { heading: 'Not done', text: 'why', link: { href: '/admin?a=1&b=2', label: 'Back' } })).toBe(
      '<h1>Not done</h1><p>why</p><p><a href="/admin?a=1&amp;b=2">Back</a></p>',
    );
  });

  it('refuse a value a template prints that the page did not give (strict), and an unknown template', () => {
    expect(() => view('message', { text: null, link: null })).toThrow(/"heading" not defined/);
    expect(() => view('no-such-page', {})).toThrow(/no admin template no-such-page\.hbs/);
  });
});
