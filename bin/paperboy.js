#!/usr/bin/env node
// The `paperboy` command. paperboy runs its TypeScript sources directly through tsx, so
// `npm install` is the only step between a clone and a working command.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
