import { describe, expect, it } from 'vitest';
import { readableLatex } from '../../src/latex.js';

describe('LaTeX in titles and abstracts, made readable', () => {
  it.each([
    ['$\\ell_\\infty$ robustness', 'ℓ∞ robustness'],
    ['A \\in \\mathbb{R}^{d}', 'A ∈ ℝᵈ'],
    ['up to 100\\times faster', 'up to 100× faster'],
    ['$\\epsilon$-greedy', 'ε-greedy'],
    ['the L^{2} loss and O(n^2)', 'the L² loss and O(n²)'],
    ["Semi-structured (or ``N:M'') sparsity", 'Semi-structured (or “N:M”) sparsity'],
    ['O(\\varepsilon^{-2}) and \\mathcal{O}(n \\log n)', 'O(ε⁻²) and 𝒪(n log n)'],
    ['\\frac{1}{2} and \\sqrt{d}', '1/2 and √d'],
    ['W_2 distance and |x|_2, \\alpha x', 'W₂ distance and |x|₂, α x'],
    ['about 50\\% \\& more (\\sim 3)', 'about 50% & more (∼ 3)'],
    ['x^* = \\arg\\min_{x} f(x)', 'x* = argminₓ f(x)'],
    ['$\\mathbf{W} \\leq \\gamma$', 'W ≤ γ'],
  ])('%s → %s', (input, out) => {
    expect(readableLatex(input)).toBe(out);
  });

  it.each([
    // What it cannot map stays as written.
    ['an unknown \\foo{bar} command', 'an unknown \\foo{bar} command'],
    ['A \\in \\mathbb{R}^{n \\times d}', 'A ∈ ℝ^{n × d}'],
    // What is not LaTeX is left alone: money, identifiers, URLs, versions.
    ['from $5 to $10', 'from $5 to $10'],
    ['see https://github.com/org/my_repo and file_name', 'see https://github.com/org/my_repo and file_name'],
    ['gpt_oss and snake_case_names', 'gpt_oss and snake_case_names'],
    ['GPT-4, C++ and 5^th place', 'GPT-4, C++ and 5^th place'],
    ['A plain title', 'A plain title'],
  ])('leaves %s as %s', (input, out) => {
    expect(readableLatex(input)).toBe(out);
  });
});
