// What-if: a plan under another policy set beside the current one, per relationship stage. Pure. Requested
// is allocated + substituted + backordered in each plan, so each stage's differences add up to zero.
import type { PlanComparison, PlanSummary, StageFigures } from './state';

export function comparePlans(current: PlanSummary, simulated: PlanSummary): PlanComparison {
  const stages = [...new Set([...current.byStage, ...simulated.byStage].map((row) => row.stage))];
  const figures = (plan: PlanSummary, stage: string): Pick<StageFigures, 'allocated' | 'substituted' | 'backordered' | 'fillRate' | 'customersWithNothing'> =>
    plan.byStage.find((row) => row.stage === stage) ?? { allocated: 0, substituted: 0, backordered: 0, fillRate: 0, customersWithNothing: 0 };
  return {
    current,
    simulated,
    difference: stages.map((stage) => {
      const before = figures(current, stage);
      const after = figures(simulated, stage);
      return {
        stage,
        allocated: after.allocated - before.allocated,
        substituted: after.substituted - before.substituted,
        backordered: after.backordered - before.backordered,
        fillRate: round4(after.fillRate - before.fillRate),
        customersWithNothing: after.customersWithNothing - before.customersWithNothing,
      };
    }),
  };
}

const round4 = (n: number) => Math.round(n * 10_000) / 10_000;
