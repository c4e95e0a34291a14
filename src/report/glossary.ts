/** One definition per term the report uses, in the words a reader outside the team would use. */
export const GLOSSARY: readonly { term: string; definition: string }[] = [
  {
    term: 'All-in',
    definition:
      'Everything the hybrid costs: API fees, plus the local hardware (amortised purchase or rent), its energy while on and busy, and operations time.',
  },
  {
    term: 'API bill only',
    definition: 'API fees alone. It excludes the hardware, so it always flatters the hybrid.',
  },
  {
    term: 'API-only alternative',
    definition:
      'A way of running the same workload with no local models, re-run through the same router: everything to the premium model, or a cheaper model for simple work. The verdict compares against the cheapest one.',
  },
  {
    term: 'Iteration',
    definition:
      'One step of an agent loop: one request to a model. Volume is iterations (or requests) a day.',
  },
  {
    term: 'Break-even',
    definition:
      'The daily volume at which the hybrid’s all-in cost equals the API-only alternative’s. Above it the local hardware pays for itself.',
  },
  {
    term: 'LOCAL_FAST, LOCAL_QUALITY, API_FALLBACK',
    definition:
      'The three tiers: a small local model for simple work (tags, yes/no, extraction), a larger local model for code and reasoning, and the paid API for complex work and for anything a local answer failed.',
  },
  {
    term: 'Answered acceptably',
    definition:
      'The share of requests whose final answer passed the quality check (format, completeness, coherence and the task’s own checks). A fluent wrong answer can pass: it is not accuracy.',
  },
  {
    term: 'Check passed (per call)',
    definition:
      'The share of a model’s or tier’s calls whose answer passed the check, counting calls that were later escalated.',
  },
  {
    term: 'Accuracy',
    definition:
      'The share of answers that were right. Known from recorded labels; otherwise simulated from the profiles’ rates and labelled as such.',
  },
  {
    term: 'Needed the API',
    definition: 'The share of requests whose final answer came from the API tier.',
  },
  {
    term: 'Escalated (fallback)',
    definition: 'A request retried one tier up because its answer failed the check or its call failed.',
  },
  {
    term: 'Confidence',
    definition: 'The quality check’s score of an answer, 0 to 1. Answers below the threshold are escalated.',
  },
  {
    term: 'Average (mean) latency; p50, p95, p99',
    definition:
      'Average latency is the mean time per request. p50 (median), p95 and p99 are the times that 50%, 95% and 99% of calls finish within.',
  },
  {
    term: 'Simulated',
    definition:
      'Figures drawn from model profiles rather than from running the models. Costs of recorded traces are exact; quality and latency are simulated unless the report says measured.',
  },
];
