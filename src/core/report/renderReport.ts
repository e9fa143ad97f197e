import type { ReportFormat, ReportInput } from './nodeReport';
import { renderHtml } from './reportHtml';
import { renderReportJson } from './reportJson';
import { renderMarkdown } from './reportMarkdown';

/** A node's report in one of the formats; the CLI's `report` and the extension's Export Report both call it. */
export function renderReport(format: ReportFormat, r: ReportInput): string {
  switch (format) {
    case 'md':
      return renderMarkdown(r);
    case 'html':
      return renderHtml(r);
    case 'json':
      return renderReportJson(r);
    default: {
      const never: never = format;
      return never;
    }
  }
}
