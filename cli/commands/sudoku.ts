/**
 * `dqp sudoku`: OptNet's Sudoku experiment with the dQP layer (optimizer/sudoku/model.ts).
 * Learns A and log z₀ of  min ½zᵀ(0.1 I)z − xᵀz  s.t.  Az = A·exp(log z₀), z ≥ 0  from solved
 * 4×4 boards (tfjs variables, Adam, batch size 1), and evaluates after every epoch.
 *
 * Data: makeSudokuDataset(train + test, seed); the first `train` examples train, the rest test.
 * Per epoch e = 0 (untrained), 1, …, E:
 *   trainLoss[e]    e = 0: mean MSE of the untrained model over the training set (forward only);
 *                   e ≥ 1: mean of the per-step losses of epoch e (each before its update)
 *   testLoss[e]     mean MSE over the test set after epoch e
 *   testAccuracy[e] fraction of test boards whose per-cell argmax equals the solution
 * With --json the last line of stdout is
 *   {"trainLoss":[...],"testLoss":[...],"testAccuracy":[...],"epochs","train","test","solver",
 *    "learningRate","seed","failures","seconds"}.
 * The paper's scale is --train 9000 --test 1000; the defaults are small so a run takes about a
 * minute.
 */
import type { CommandModule } from 'yargs';
import { InputError } from '../../optimizer/errors.ts';
import { getBackend, loadSolvers } from '../../optimizer/qp/registry.ts';
import { makeSudokuDataset } from '../../optimizer/sudoku/board.ts';
import { loadTf, type Tf } from '../../optimizer/tf/load.ts';
import { chartGrid, lineChart } from '../chart.ts';
import { printJson, progress, writeFileAtomic } from '../output.ts';
import { fmt, markdownTable } from '../../bench/report.ts';

function positiveInt(name: string, v: unknown, allowZero = false): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) throw new InputError(name, allowZero ? 'a non-negative integer' : 'a positive integer', String(v));
  return n;
}

/**
 * The tfjs module (loadTf: tfjs-node when installed, else tfjs), prepared quietly: the pure-JS
 * CPU backend prints an "install tfjs-node" banner on first use through tfjs' warn(), which is
 * silent in PROD mode (PROD only skips debug-mode checks).
 */
async function quietTf(): Promise<Tf> {
  const tf = await loadTf();
  tf.env().set('PROD', true);
  await tf.ready();
  return tf;
}

export const command: CommandModule = {
  command: 'sudoku',
  describe: "OptNet's Sudoku experiment: learn the constraints of 4×4 Sudoku through the dQP layer",
  builder: (y) =>
    y
      .option('train', { type: 'number', default: 1000, describe: 'training boards (paper: 9000)' })
      .option('test', { type: 'number', default: 100, describe: 'test boards (paper: 1000)' })
      .option('epochs', { type: 'number', default: 2, describe: 'passes over the training set' })
      .option('lr', { type: 'number', default: 1e-3, describe: 'Adam learning rate' })
      .option('solver', { type: 'string', default: 'ipm', describe: 'forward QP solver (see `dqp solvers`)' })
      .option('seed', { type: 'number', default: 0, describe: 'seed of the data set and of the initial A' })
      .option('svg', { type: 'string', describe: 'write loss and accuracy curves to this SVG file' })
      .option('json', { type: 'boolean', default: false, describe: 'print the curves as JSON (last line of stdout)' })
      .option('quiet', { type: 'boolean', default: false, describe: 'no progress on stderr' }),
  handler: async (argv) => {
    const nTrain = positiveInt('--train', argv.train);
    const nTest = positiveInt('--test', argv.test);
    const epochs = positiveInt('--epochs', argv.epochs, true);
    const lr = Number(argv.lr);
    if (!(lr > 0)) throw new InputError('--lr', 'a positive number', String(argv.lr));
    const seed = Number(argv.seed);
    if (!Number.isInteger(seed)) throw new InputError('--seed', 'an integer', String(argv.seed));
    const solver = String(argv.solver);
    const backend = getBackend(solver);
    if (!backend.isReady() && backend.load) await loadSolvers([solver]);
    const log = progress(Boolean(argv.quiet));
    const tf = await quietTf();
    const { SudokuQpModel } = await import('../../optimizer/sudoku/model.ts');

    const t0 = performance.now();
    const data = makeSudokuDataset(nTrain + nTest, seed);
    const train = data.slice(0, nTrain);
    const test = data.slice(nTrain);
    const model = new SudokuQpModel(tf, { solver, learningRate: lr, seed });
    log(`sudoku: ${nTrain} train / ${nTest} test boards (4×4), A ${model.rows}×${model.n}, solver ${solver}, Adam lr ${lr}, ${epochs} epoch(s)`);

    const trainLoss: number[] = [];
    const testLoss: number[] = [];
    const testAccuracy: number[] = [];
    const seconds: number[] = [];
    const evalAll = (e: number, trainValue: number) => {
      const ev = model.evaluate(test);
      trainLoss.push(trainValue);
      testLoss.push(ev.loss);
      testAccuracy.push(ev.accuracy);
      seconds.push((performance.now() - t0) / 1000);
      log(`epoch ${e}: train loss ${fmt(trainValue)}  test loss ${fmt(ev.loss)}  test accuracy ${(100 * ev.accuracy).toFixed(1)}%  (${seconds[seconds.length - 1]!.toFixed(1)} s)`);
    };
    try {
      evalAll(0, model.evaluate(train).loss);
      for (let e = 1; e <= epochs; e++) {
        let sum = 0, count = 0;
        const tEpoch = performance.now();
        for (let i = 0; i < train.length; i++) {
          const l = model.trainStep(train[i]!);
          if (Number.isFinite(l)) {
            sum += l;
            count++;
          }
          if ((i + 1) % 200 === 0) log(`  epoch ${e}: ${i + 1}/${train.length}  running loss ${fmt(sum / Math.max(1, count))}  ${(((performance.now() - tEpoch) / (i + 1))).toFixed(1)} ms/step`);
        }
        evalAll(e, count > 0 ? sum / count : Number.NaN);
      }
    } finally {
      model.dispose();
    }

    const epochIdx = trainLoss.map((_, i) => i);
    if (argv.svg) {
      const loss = lineChart({
        title: 'Sudoku 4×4: loss (MSE)',
        xLabel: 'epoch',
        yLabel: 'loss',
        yLog: true,
        series: [
          { name: 'train', x: epochIdx, y: trainLoss, markers: true },
          { name: 'test', x: epochIdx, y: testLoss, markers: true, dashed: true },
        ],
      });
      const acc = lineChart({
        title: 'Sudoku 4×4: test accuracy',
        xLabel: 'epoch',
        yLabel: 'boards solved',
        yRange: [0, 1],
        series: [{ name: 'test accuracy', x: epochIdx, y: testAccuracy, markers: true }],
      });
      writeFileAtomic(String(argv.svg), chartGrid([loss, acc], 2));
      log(`wrote ${String(argv.svg)}`);
    }
    const total = (performance.now() - t0) / 1000;
    if (argv.json) {
      printJson({ trainLoss, testLoss, testAccuracy, epochs, train: nTrain, test: nTest, solver, learningRate: lr, seed, failures: model.failures, seconds: total });
    } else {
      const rows = trainLoss.map((_, e) => [String(e), fmt(trainLoss[e]!), fmt(testLoss[e]!), `${(100 * testAccuracy[e]!).toFixed(1)}%`, seconds[e]!.toFixed(1)]);
      process.stdout.write(`Sudoku 4×4 through the dQP layer (solver ${solver}; epoch 0 = untrained)\n\n`);
      process.stdout.write(`${markdownTable(['epoch', 'train loss', 'test loss', 'test accuracy', 'elapsed s'], rows)}\n`);
      if (model.failures > 0) process.stdout.write(`\n${model.failures} forward solve(s) failed and were skipped\n`);
    }
  },
};
