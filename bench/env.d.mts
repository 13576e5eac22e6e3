/** The settings every benchmark runs with (bench/env.mjs). */
export function benchEnv(dir: string): Record<string, string>;
