using Custodian.Cli;

return await CustodianCli.RunAsync(args);
