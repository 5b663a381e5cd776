/** The commands the README gives a newcomer, read from its sections as a person reads them. */
export interface ReadmeCommands {
  /** The first line of the first block under "Run the wizard": installs what it needs and starts the wizard. */
  run: string;
  /** The lines of the second block there: pack the package, install the tarball, run it (comments stripped). */
  pack: string[];
  /** The first line of the first block under "Run the tests". */
  test: string;
}

function section(readme: string, title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README.md has no "## ${title}" section`);
  const next = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, next < 0 ? undefined : next);
}

/** The shell blocks of a section, each as its command lines (blank lines and `#` comments left out). */
export function shellBlocks(text: string): string[][] {
  const blocks: string[][] = [];
  for (const match of text.matchAll(/```(?:bash|sh)\n([\s\S]*?)```/g)) {
    const body = match[1] ?? '';
    blocks.push(
      body
        .split('\n')
        .map((line) => line.replace(/(^|\s+)#.*$/, '').trim())
        .filter((line) => line !== ''),
    );
  }
  return blocks;
}

export function readmeCommands(readme: string): ReadmeCommands {
  const [runBlock, packBlock] = shellBlocks(section(readme, 'Run the wizard'));
  const [testBlock] = shellBlocks(section(readme, 'Run the tests'));
  const run = runBlock?.[0];
  const test = testBlock?.[0];
  if (run === undefined || packBlock === undefined || test === undefined) {
    throw new Error('README.md: "Run the wizard" needs a run block and a pack block, and "Run the tests" a test block');
  }
  return { run, pack: packBlock, test };
}
