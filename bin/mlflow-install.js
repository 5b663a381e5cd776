#!/usr/bin/env node
// The wizard's first screen is drawn before the rest of the CLI loads, so a person sees the first
// question at once (it does nothing unless this is a plain interactive install; src/wizard/first-frame.ts).
const { drawEarlyFrame } = await import('../dist/wizard/first-frame.js');
drawEarlyFrame(process.argv);

const { main } = await import('../dist/cli.js');
process.exitCode = await main(process.argv);
