/**
 * The mini-program compiler (Node side): TTML and TTSS compilers, the project bundler and the
 * site (serve or build) used by `rtcroom serve --miniapp` and `rtcroom miniapp build`.
 * @module
 */
export { compileTtml, TtmlCompileError, resolveTemplatePath } from './ttml-compile.ts';
export { compileTtss, convertRpx, TtssError } from './ttss.ts';
export { compileProject, listProject, MiniappCompileError, type ProjectManifest, type AppJson } from './project.ts';
export { MiniappSite, type SiteFile } from './site.ts';
export { runtimeBundle } from './runtime-bundle.ts';
