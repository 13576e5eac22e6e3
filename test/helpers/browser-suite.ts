import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { launchChromium } from './browser.js';
import type { SmtpSink } from './smtp-sink.js';
import type { TestApp } from './test-app.js';

export interface BrowserSuite {
  browser: Browser;
  /** What a test started: closed after it, the server first. */
  app?: TestApp;
  sink?: SmtpSink;
  http?: { url: string; close: () => Promise<void> };
}

/** The hooks of a file of browser tests: one Chromium for the file, each test's app, relay and server closed after it. */
export function browserSuite(): BrowserSuite {
  const suite = {} as BrowserSuite;
  beforeAll(async () => {
    suite.browser = await launchChromium();
  });
  afterAll(async () => {
    await suite.browser?.close();
  });
  afterEach(async () => {
    await suite.http?.close();
    await suite.app?.close();
    await suite.sink?.close();
    suite.app = suite.sink = suite.http = undefined;
  });
  return suite;
}
