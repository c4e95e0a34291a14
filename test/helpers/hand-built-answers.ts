import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './temp.js';

/**
 * Six math requests whose local answers are built to land in each cell of the detector's table; the API
 * answers are all right and well stated.
 */
export function handBuiltFiles(): { workload: string; answers: string } {
  const dir = tempDir();
  const prompts = Array.from(
    { length: 6 },
    (_, i) => `Tom has ${i + 2} apples and buys 3 more. How many apples does he have now?`,
  );
  const workload = join(dir, 'workload.csv');
  writeFileSync(workload, `prompt\n${prompts.map((p) => `"${p}"`).join('\n')}\n`);
  const local: [string, boolean][] = [
    ['He has 2 + 3 = 5 apples.\n#### 5', true], // passes, right
    ['He has 3 + 3 = 6 apples.\n#### 6', false], // passes, wrong (silent)
    ['He has 4 + 3 = 8 apples.\n#### 8', false], // wrong arithmetic: caught
    ['He has 5 + 3 = 8 apples in all.', true], // unmarked final answer: 0.8, passes, right
    ['We add what he had to what he bought.', true], // no final answer: flagged, right (false alarm)
    ["I'm sorry, I cannot solve this.", false], // refusal: caught
  ];
  const rows = ['request_id,model,answer,correct'];
  local.forEach(([text, correct], i) => {
    rows.push(`${i + 1},small-local,"${text}",${correct}`);
    rows.push(`${i + 1},big-api,"He has ${i + 2} + 3 = ${i + 5} apples.\n#### ${i + 5}",true`);
  });
  const answers = join(dir, 'answers.csv');
  writeFileSync(answers, `${rows.join('\n')}\n`);
  return { workload, answers };
}
