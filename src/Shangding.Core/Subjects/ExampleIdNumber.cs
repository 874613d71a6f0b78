namespace Shangding.Core.Subjects;

/// <summary>
/// The one resident ID number the platform prints as an example: in the API description's examples, the documentation,
/// the Excel templates' instructions and as the development demo citizen (王小明), so the examples work when tried against
/// the demo. A number that passes every check could be a real person's; this one is a test pattern that passes them all
/// and belongs to no one living: the region code of Zhengzhou's Jinshui district (410105), the birth date 1900-01-01 (the
/// earliest the platform accepts), sequence 001 (a man), and its check digit 0.
/// </summary>
public static class ExampleIdNumber
{
    public const string Value = "410105190001010010";
}
