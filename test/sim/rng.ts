// One seeded PRNG for the simulator and the drills: the sim replays a seed with it.
export { Rng } from '../../src/common/rng.js';
