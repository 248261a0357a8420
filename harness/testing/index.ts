export { main as unreplicatedNodeMain } from './unreplicated-node.js';
