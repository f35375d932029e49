#!/usr/bin/env node
// Runs before `npm start` and `npm test` on whatever `node` npm found first: the project's own
// Node 24 (the node-<platform> optional dependency, linked into node_modules/.bin) on the
// platforms it ships for, the machine's otherwise. Says plainly what is missing instead of
// failing later on a missing built-in such as node:sqlite.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    [
      `This project needs Node.js 24 or newer; this is ${process.version} (${process.execPath}).`,
      'npm install normally brings its own Node 24 for Linux (x64, arm64) into node_modules/.bin;',
      'on another platform, install Node 24 (https://nodejs.org, nvm install 24, or',
      '"npm install -g --prefix /opt/node24 node@24" then PATH=/opt/node24/bin:$PATH) and run the command again.',
    ].join('\n'),
  );
  process.exit(1);
}
