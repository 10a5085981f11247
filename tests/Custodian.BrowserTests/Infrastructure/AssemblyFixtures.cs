using Custodian.BrowserTests.Infrastructure;
using Xunit;

// Launches nothing by itself: Chromium starts on first use (Chromium.RequireAsync) and is closed here when the run ends.
[assembly: AssemblyFixture(typeof(ChromiumLifetime))]
