export { startSingleNode, type SingleNode, type SingleNodeOptions } from './single-node';
export { NODE_FLAGS } from './node-flags';
