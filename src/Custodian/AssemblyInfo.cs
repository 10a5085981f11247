using System.Resources;

// Dutch is the neutral language of the page texts (Resources/SharedResource.resx); English is a satellite.
[assembly: NeutralResourcesLanguage("nl")]
