/**
 * The TensorFlow.js of the page: @tensorflow/tfjs-core with the CPU backend only (no WebGL: for
 * this work the full @tensorflow/tfjs picks WebGL/SwiftShader, which is slower here, and is ~3×
 * bigger). The build aliases '@tensorflow/tfjs' to this module, so the library's lazy loadTf()
 * gets it too. Adam runs in float32 on the same CPU kernels as in Node: the same steps.
 */
import '@tensorflow/tfjs-backend-cpu';

export * from '@tensorflow/tfjs-core';
