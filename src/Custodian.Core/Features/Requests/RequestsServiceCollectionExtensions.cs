using Custodian.Core.Features.Mail;
using Custodian.Core.Features.Requests.Execution;
using Custodian.Core.Features.Requests.IdCopies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Custodian.Core.Features.Requests;

internal static class RequestsServiceCollectionExtensions
{
    /// <summary>
    /// The request lifecycle: intake, codes, rate limits, status. Needs the database, the audit trail
    /// (<c>AddCustodianAudit</c>), a <see cref="Common.MasterKey"/>, a <see cref="TimeProvider"/> and an
    /// <see cref="IMailSender"/> (<c>AddCustodianMail</c>) in the container. Messages go through the queue
    /// (<see cref="MessageQueue"/>); the host runs the dispatcher.
    /// </summary>
    public static IServiceCollection AddCustodianRequests(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => new RequestSecrets(sp.GetRequiredService<Common.MasterKey>()));
        services.TryAddSingleton(PortalLinks.None);
        services.AddCustodianMessageQueue();
        services.TryAddSingleton(sp => new RequestMessenger(sp.GetRequiredService<MessageQueue>(), sp.GetRequiredService<MessageDispatcher>(), sp.GetRequiredService<PortalLinks>()));
        services.TryAddScoped<VerificationCodes>();
        services.TryAddScoped<RequestRateLimits>();
        services.TryAddScoped<RequestMandates>();
        services.TryAddScoped<RequestIntake>();
        services.TryAddScoped<RequestStatusQuery>();
        services.TryAddScoped<RequestActions>();
        services.TryAddScoped<FiledInMyName>();
        return services;
    }

    /// <summary>
    /// What handling a request needs beyond the lifecycle: the executors, the access report and answers, the ID
    /// copies. Needs the register, the blobs (<c>AddCustodianBlobs</c>) and the audit trail in the container.
    /// </summary>
    public static IServiceCollection AddCustodianRequestHandling(this IServiceCollection services)
    {
        services.AddCustodianRequests();
        services.AddCustodianRequestExecution();
        services.TryAddSingleton<Answers.AccessReportBuilder>();
        services.TryAddSingleton<Answers.RequestAnswers>();
        services.TryAddScoped<Answers.RequestAnswerList>();
        services.AddCustodianIdCopies();
        services.TryAddScoped<Queue.RequestQueue>();
        services.TryAddScoped<Queue.LetterScans>();
        services.TryAddScoped<Queue.StaffRequestEntry>();
        return services;
    }

    /// <summary>
    /// The workflow from a verified request to a delivered answer, and the back-office request page's query. Needs
    /// <see cref="AddCustodianRequests"/>, the register, the blobs and the store (everything the executors need).
    /// </summary>
    public static IServiceCollection AddCustodianRequestWorkflow(this IServiceCollection services, Workflow.RequestWorkflowOptions? options = null)
    {
        services.AddCustodianRequestHandling();
        services.TryAddSingleton(options ?? new Workflow.RequestWorkflowOptions());
        services.TryAddScoped<Workflow.RequestWorkflow>();
        services.TryAddScoped<Workflow.RequestDetailQuery>();
        services.TryAddScoped<Workflow.IdCopyPortal>();
        services.TryAddScoped<Workflow.IdCopyDecisions>();
        return services;
    }
}
