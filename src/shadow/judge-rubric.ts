/**
 * The rubric the free-text judge is given, word for word (pinned: a verdict is only comparable with one
 * given under the same rubric). The reference is the answer the API gave in production.
 */
export const JUDGE_RUBRIC = `You compare two answers to the same request. The REFERENCE answer was accepted in production. Decide whether the CANDIDATE answer would have been just as acceptable: it must be correct, answer what was asked, and keep every fact, number, name and instruction the reference gets right. Wording, length and style do not matter. Reply with one word: YES if the candidate is as acceptable as the reference, NO if it is not.`;
