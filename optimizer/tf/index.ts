/**
 * TensorFlow.js adapter of the dQP layer: loadTf() (tfjs-node when installed, else tfjs) and
 * TfQpLayer (a QP as a differentiable tfjs op). See qp-layer.ts.
 */
export { loadTf, loadedTfPackage, type Tf, type LoadTfOptions } from './load.ts';
export { TfQpLayer, type TfQpInputs, type TfQpOutputs, type TfQpLayerSpec } from './qp-layer.ts';
export { FixedPattern, type SparsePattern } from './pattern.ts';
