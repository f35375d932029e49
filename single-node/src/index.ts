export { startSingleNode, type SingleNode, type SingleNodeOptions } from './single-node';
