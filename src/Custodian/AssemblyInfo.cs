using System.Resources;
using Microsoft.Extensions.Localization;

// Dutch is the neutral language of the page texts (Resources/SharedResource.resx); English is a satellite.
[assembly: NeutralResourcesLanguage("nl")]

// The assembly is named "custodian" (the executable) but its namespaces and resource names start with "Custodian".
[assembly: RootNamespace("Custodian")]
