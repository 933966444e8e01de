// What-if: a plan under another policy set beside the current one, per relationship stage. Pure.
import type { PlanComparison, PlanSummary, StageFigures } from './state';

export function comparePlans(current: PlanSummary, simulated: PlanSummary): PlanComparison {
  const stages = [...new Set([...current.byStage, ...simulated.byStage].map((row) => row.stage))];
  const figures = (plan: PlanSummary, stage: string): Pick<StageFigures, 'allocated' | 'backordered' | 'fillRate' | 'customersWithNothing'> =>
    plan.byStage.find((row) => row.stage === stage) ?? { allocated: 0, backordered: 0, fillRate: 0, customersWithNothing: 0 };
  return {
    current,
    simulated,
    difference: stages.map((stage) => {
      const before = figures(current, stage);
      const after = figures(simulated, stage);
      return {
        stage,
        allocated: after.allocated - before.allocated,
        backordered: after.backordered - before.backordered,
        fillRate: round4(after.fillRate - before.fillRate),
        customersWithNothing: after.customersWithNothing - before.customersWithNothing,
      };
    }),
  };
}

const round4 = (n: number) => Math.round(n * 10_000) / 10_000;
