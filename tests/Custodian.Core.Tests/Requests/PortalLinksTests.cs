using Custodian.Core.Features.Mail;
using Custodian.Core.Features.Requests;
using Xunit;

namespace Custodian.Core.Tests.Requests;

public sealed class PortalLinksTests
{
    [Fact]
    public void Apply_WithPublicUrl_MakesPagePathsAbsoluteInMailAndSms_LeavesUrlsAndOtherTextAlone()
    {
        var links = new PortalLinks(new Uri("https://privacy.provider.example/portal/"));
        var mail = new OutgoingMail("a@b.example", "Subject /requests/X", "Open /requests/ABC?token=t1 now.\nLog in and open /office/requests/42.\nSee https://other.example/requests/Y and a/requests/z.")
        {
            SmsText = "Open /requests/ABC.",
        };

        var applied = links.Apply(mail);

        Assert.Equal(
            "Open https://privacy.provider.example/portal/requests/ABC?token=t1 now.\nLog in and open https://privacy.provider.example/portal/office/requests/42.\nSee https://other.example/requests/Y and a/requests/z.",
            applied.TextBody);
        Assert.Equal("Open https://privacy.provider.example/portal/requests/ABC.", applied.SmsText);
        Assert.Equal(mail.Subject, applied.Subject);
    }

    [Fact]
    public void Apply_WithoutPublicUrl_LeavesTheMessageAsItIs()
    {
        var mail = new OutgoingMail("a@b.example", "S", "Open /requests/ABC.");

        Assert.Same(mail, PortalLinks.None.Apply(mail));
    }
}
